// A Node cluster worker for the tests, written as any Node server is (no cluster code):
// `node line-server.js <port> <host>` answers each connection's first line with "<pid> <line>\n".
const net = require('net');
const [port, host] = process.argv.slice(2);
net.createServer(c => {
  let got = '';
  c.on('data', d => {
    got += d;
    const nl = got.indexOf('\n');
    if (nl >= 0) c.end(process.pid + ' ' + got.slice(0, nl) + '\n');
  });
}).listen(Number(port), host);
