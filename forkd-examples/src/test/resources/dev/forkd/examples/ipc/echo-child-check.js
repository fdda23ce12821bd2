// A Node parent that checks EchoChild: node echo-child-check.js <mode> <java> <java arguments...>
// mode "full": echoes with the child's pid, a net.Server handle served, a net.Socket handle answered,
//              then {"exit": true} must end the child with code 0.
// mode "disconnect": one echo, then child.disconnect() must end the child with code 0.
// Prints one "OK ..." line per check, and "FAIL <why>" (exit status 1) at the first that fails.
'use strict';
const { spawn } = require('child_process');
const net = require('net');

const [mode, java, ...javaArgs] = process.argv.slice(2);
const child = spawn(java, javaArgs, { stdio: ['inherit', 'inherit', 'inherit', 'ipc'] });
const fail = (why) => { console.log('FAIL ' + why); child.kill('SIGKILL'); process.exit(1); };
setTimeout(() => fail('timeout'), 30000).unref();
const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));

const inbox = [];
const waiting = [];
child.on('message', (m) => (waiting.length > 0 ? waiting.shift()(m) : inbox.push(m)));
const nextMessage = () => new Promise((resolve) => (inbox.length > 0 ? resolve(inbox.shift()) : waiting.push(resolve)));

async function expectEcho(sent) {
  const m = await nextMessage();
  if (JSON.stringify(m.echo) !== JSON.stringify(sent) || m.pid !== child.pid) {
    fail('expected the echo of ' + JSON.stringify(sent) + ' from ' + child.pid + ', got ' + JSON.stringify(m));
  }
}

const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));

// Connects, and resolves with everything the other side writes before it closes the connection.
const readAll = (port) => new Promise((resolve, reject) => {
  let data = '';
  net.connect(port, '127.0.0.1').setEncoding('utf8')
    .on('data', (d) => (data += d)).on('end', () => resolve(data)).on('error', reject);
});

async function full() {
  const sent = [{ hello: 'from node', n: 1 }, 'a string', 42, [1, { deep: null }], { text: 'üñï 😀 \u2028 "q"\n' }];
  sent.forEach((m) => child.send(m));
  for (const m of sent) await expectEcho(m);
  console.log('OK echo ' + sent.length + ' messages from pid ' + child.pid);

  const hello = 'hello from ' + child.pid + '\n';
  const server = net.createServer();
  await listen(server);
  const port = server.address().port;
  child.send({ kind: 'server', port }, server);
  await expectEcho({ kind: 'server', port });
  await new Promise((resolve) => server.close(resolve)); // from now on only the child accepts
  for (let i = 0; i < 2; i++) {
    const reply = await readAll(port);
    if (reply !== hello) fail('server handle: read ' + JSON.stringify(reply));
  }
  console.log('OK net.Server handle: 2 connections read ' + JSON.stringify(hello));

  const sockets = net.createServer({ pauseOnConnect: true }, (socket) => child.send({ kind: 'socket' }, socket));
  await listen(sockets);
  const reply = readAll(sockets.address().port);
  await expectEcho({ kind: 'socket' });
  if ((await reply) !== hello) fail('socket handle: read ' + JSON.stringify(await reply));
  await new Promise((resolve) => sockets.close(resolve)); // asks the child whether the socket is closed
  console.log('OK net.Socket handle: the client read ' + JSON.stringify(hello));

  child.send({ exit: true });
  await expectEcho({ exit: true });
}

async function disconnect() {
  child.send({ bye: true });
  await expectEcho({ bye: true });
  console.log('OK echo from pid ' + child.pid);
  child.disconnect();
}

(mode === 'full' ? full() : disconnect()).then(async () => {
  const { code, signal } = await exited;
  console.log('child exit ' + code + ' ' + signal);
  if (code !== 0) fail('exit code ' + code);
}, (e) => fail(e.stack));
