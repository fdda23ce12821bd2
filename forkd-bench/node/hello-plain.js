// The same hello-world app with the shutdown most Node apps have: on SIGINT/SIGTERM, server.close() (which
// since Node 19 also closes idle keep-alive connections at once) and exit when it is done.
const http = require('http');
const server = http.createServer((req, res) => res.end('hello from ' + process.pid + '\n'));
server.listen(process.env.LISTEN_FDS ? { fd: 3 } : Number(process.env.PORT || 3000), () => {
  if (process.send) process.send('ready');
});
const stop = () => server.close(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
