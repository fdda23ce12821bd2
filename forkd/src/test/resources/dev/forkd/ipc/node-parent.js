// A Node parent driving a forkd child: node node-parent.js <java> <classpath> <mode> [child args...]
// mode "echo": round-trips messages; mode "socket": accepts a TCP connection and passes it to the child.
// The child is dev.forkd.fixture.IpcChild with the given arguments (default: echo).
const { spawn } = require('child_process');
const net = require('net');
const [java, cp, mode, ...childArgs] = process.argv.slice(2);
const child = spawn(java, ['--enable-native-access=ALL-UNNAMED', '--add-opens=java.base/sun.nio.ch=ALL-UNNAMED',
  '-cp', cp, 'dev.forkd.fixture.IpcChild', ...(childArgs.length ? childArgs : ['echo'])],
  { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
const fail = (why) => { console.log('FAIL ' + why); child.kill('SIGKILL'); process.exit(1); };
setTimeout(() => fail('timeout'), 30000).unref();

if (mode === 'echo') {
  const sent = [{ hello: 'from node', n: 1 }, 'a string', 42, { nested: { s: 'line1\nline2 üñï 😀 \u2028' } }];
  const got = [];
  child.on('message', (m) => {
    got.push(m);
    if (got.length === sent.length) {
      for (let i = 0; i < sent.length; i++) {
        if (JSON.stringify(got[i].echo) !== JSON.stringify(sent[i])) fail('mismatch ' + JSON.stringify(got[i]));
      }
      console.log('OK echo ' + got.length);
      child.disconnect();
    }
  });
  sent.forEach((m) => child.send(m));
} else if (mode === 'socket') {
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    child.send('take this socket', socket);
  });
  let pending = 2; // the client's reply and the child's report, in either order
  // Node asks the child how many sockets with this server's key it still holds (NODE_SOCKET_GET_COUNT), and
  // server.close() waits for NODE_SOCKET_ALL_CLOSED: both must be answered by the forkd child.
  const done = () => {
    if (--pending !== 0) return;
    server.getConnections((err, n) => {
      console.log('connections ' + (err ? err.code : n));
      server.close(() => { console.log('server closed'); child.disconnect(); });
    });
  };
  child.on('message', (m) => {
    if (m.gotHandle !== undefined) { console.log('child got handle: ' + JSON.stringify(m.gotHandle)); done(); }
  });
  server.listen(0, '127.0.0.1', () => {
    const c = net.connect(server.address().port, '127.0.0.1');
    let data = '';
    c.on('data', (d) => data += d);
    c.on('end', () => {
      console.log('client read: ' + data.trim());
      if (!/^hello from \d+$/.test(data.trim())) fail('bad reply');
      console.log('OK socket');
      done();
    });
  });
}
child.on('exit', (code, signal) => console.log('child exit ' + code + ' ' + signal));
