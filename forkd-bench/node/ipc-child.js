'use strict';
// The child of ipc.js: the same protocol as IpcChild.java (forkd-bench/src/main/java/dev/forkd/bench/ipc).
//   {"op":"expect","n":N}          count the next N data messages {"seq":i,"msg":"..."}, then {"op":"done","n":N}
//   {"op":"emit","n":N,"size":S}   send N data messages {"seq":i,"msg":<S × "x">}
//   {"ping":i}                     answer {"pong":i}
//   {"op":"exit"}                  exit
// With the argument `first`: send one message with its timestamps (process.hrtime is CLOCK_MONOTONIC, like
// Java's System.nanoTime) and exit.
const tMain = process.hrtime.bigint();

if (process.argv[2] === 'first') {
  const tOpen = process.hrtime.bigint(); // the channel is already open when user code runs
  process.send({ hello: true, tMain: Number(tMain), tOpen: Number(tOpen) }, () => process.exit(0));
} else {
  let expected = 0;
  let count = 0;
  process.on('message', (b) => {
    if (b.seq !== undefined) {
      if (++count === expected) process.send({ op: 'done', n: expected });
    } else if (b.ping !== undefined) {
      process.send({ pong: b.ping });
    } else if (b.op === 'expect') {
      expected = b.n;
      count = 0;
    } else if (b.op === 'emit') {
      const msg = 'x'.repeat(b.size);
      for (let i = 0; i < b.n; i++) process.send({ seq: i, msg });
    } else if (b.op === 'exit') {
      process.exit(0);
    } else {
      throw new Error(`unexpected message ${JSON.stringify(b)}`);
    }
  });
  process.on('disconnect', () => process.exit(0));
}
