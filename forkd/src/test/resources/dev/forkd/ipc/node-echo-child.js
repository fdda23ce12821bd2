// A Node child driven by a forkd parent over Stdio.ipc(): echoes messages; serves a passed server over HTTP;
// answers a passed socket; exits on {"exit": n}.
const http = require('http');
process.on('message', (m, handle) => {
  if (handle && handle.constructor && handle.constructor.name === 'Server') {
    const srv = http.createServer((req, res) => res.end('node http ' + process.pid + '\n'));
    srv.listen(handle, () => process.send({ serving: true, got: m }));
    return;
  }
  if (handle) { // a net.Socket
    handle.end('node socket ' + process.pid + '\n');
    process.send({ answered: true, got: m });
    return;
  }
  if (m && typeof m === 'object' && 'exit' in m) { process.exit(m.exit); }
  process.send({ echo: m, connected: process.connected, envFd: process.env.NODE_CHANNEL_FD === undefined ? 'deleted' : 'present' });
});
process.on('disconnect', () => process.exit(0));
