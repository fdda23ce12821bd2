// The socket-activation idiom, in a Node cluster worker: listen({fd: 3}) names the primary's fd 3.
const net = require('net');
net.createServer(c => {
  let got = '';
  c.on('data', d => {
    got += d;
    const nl = got.indexOf('\n');
    if (nl >= 0) c.end(process.pid + ' ' + got.slice(0, nl) + '\n');
  });
}).listen({ fd: 3 });
