// The hello-world app of the forkd-vs-PM2 runs: served by PM2's cluster mode (listen(PORT)) or by forkd's
// cluster mode (the listener as fd 3, systemd socket activation). It drains as a production app should on
// SIGINT (PM2's stop signal) or SIGTERM (forkd's): for a second it keeps serving, each response closing its
// connection (so that no client sends a request on a keep-alive connection this process is about to close),
// then it stops accepting and exits once its connections are done.
const http = require('http');
let draining = false;
const server = http.createServer((req, res) => {
  if (draining) res.setHeader('Connection', 'close');
  res.end('hello from ' + process.pid + '\n');
});
server.listen(process.env.LISTEN_FDS ? { fd: 3 } : Number(process.env.PORT || 3000), () => {
  if (process.send) process.send('ready');
});
const stop = () => {
  if (draining) return;
  draining = true;
  setTimeout(() => server.close(() => process.exit(0)), 1000);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
