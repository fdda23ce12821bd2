// Node child for NodeInteropTest: speaks Node's IPC protocol on fd 3 (NODE_CHANNEL_FD), JSON mode.
'use strict';
const net = require('net');
let server = null;

process.on('message', (m, handle) => {
  if (m && m.type === 'echo') {
    process.send({ echo: m.payload, envFd: process.env.NODE_CHANNEL_FD === undefined ? null : 'leaked' });
  } else if (m && m.type === 'serve') {
    // 'message' fires only once the received net.Server is listening.
    server = handle;
    server.on('connection', (s) => s.end('hello from node ' + m.tag + '\n'));
    process.send({ serving: true, address: server.address() });
  } else if (m && m.type === 'give-server') {
    const own = net.createServer((s) => s.end('node accepted this\n'));
    own.listen(0, '127.0.0.1', () => {
      const port = own.address().port;
      process.send({ type: 'take-server', port }, own, () => {
        // The send completed; stop accepting here so that only the receiver accepts.
        own.close(() => process.send({ closedMine: port }));
      });
    });
  }
});

process.on('disconnect', () => {
  if (server) server.close();
});

process.send({ ready: true, pid: process.pid });
