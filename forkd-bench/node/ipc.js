'use strict';
// One IPC measurement with Node's fork(): the same scenarios, message shapes and output as IpcBench.java.
// Usage: node ipc.js p2c|c2p <warm-up> <count> <size> | rtt <warm-up> <count> | first <count>
const { fork } = require('node:child_process');
const path = require('node:path');

const childPath = path.join(__dirname, 'ipc-child.js');
const now = () => process.hrtime.bigint();

function result(scenario, metric, value, unit, impl = 'node') {
  console.log(`RESULT ${scenario} ${impl} ${metric} ${value.toFixed(2)} ${unit}`);
}

function peer() {
  const child = fork(childPath);
  const p = { child, handler: () => {} };
  child.on('message', (b) => p.handler(b));
  p.close = () => new Promise((resolve) => { child.on('exit', resolve); child.send({ op: 'exit' }); });
  return p;
}

function oneWayRun(p, direction, n, size) {
  return new Promise((resolve) => {
    let t0;
    if (direction === 'p2c') {
      p.handler = (b) => { if (b.op === 'done') resolve(Number(now() - t0) / 1e9); };
      p.child.send({ op: 'expect', n });
      const msg = 'x'.repeat(size);
      t0 = now();
      for (let i = 0; i < n; i++) p.child.send({ seq: i, msg });
    } else {
      let seen = 0;
      p.handler = (b) => { if (b.seq !== undefined && ++seen === n) resolve(Number(now() - t0) / 1e9); };
      t0 = now();
      p.child.send({ op: 'emit', n, size });
    }
  });
}

function pingPong(p, n) {
  return new Promise((resolve) => {
    const samples = new Array(n);
    let sentAt;
    p.handler = (b) => {
      const t = now();
      const i = b.pong;
      samples[i] = Number(t - sentAt);
      if (i + 1 === n) { resolve(samples); return; }
      sentAt = now();
      p.child.send({ ping: i + 1 });
    };
    sentAt = now();
    p.child.send({ ping: 0 });
  });
}

function firstOnce() {
  return new Promise((resolve, reject) => {
    let r;
    const t0 = now();
    const child = fork(childPath, ['first']);
    const tFork = now();
    child.on('message', (b) => {
      const t = Number(now());
      const s = Number(t0);
      r = [t - s, Number(tFork) - s, b.tMain - s, b.tOpen - b.tMain, t - b.tOpen].map((x) => x / 1e6);
    });
    child.on('exit', (code) => (code === 0 && r ? resolve(r) : reject(new Error(`child exited ${code}`))));
  });
}

const median = (v) => v.slice().sort((a, b) => a - b)[Math.floor(v.length / 2)];

(async () => {
  const [scenario, ...rest] = process.argv.slice(2);
  const args = rest.map((s) => Number.parseInt(s, 10));
  if (scenario === 'p2c' || scenario === 'c2p') {
    const [warmUp, count, size] = args;
    const name = `ipc-${scenario}-${size >= 1 << 20 ? '1mib' : 'small'}`;
    const p = peer();
    if (warmUp > 0) await oneWayRun(p, scenario, warmUp, size);
    const secs = await oneWayRun(p, scenario, count, size);
    if (size >= 1 << 20) result(name, 'throughput', (count * size) / (1 << 20) / secs, 'MiB/s');
    else result(name, 'rate', count / secs, 'msgs/s');
    await p.close();
  } else if (scenario === 'rtt') {
    const [warmUp, count] = args;
    const p = peer();
    if (warmUp > 0) await pingPong(p, warmUp);
    const s = (await pingPong(p, count)).sort((a, b) => a - b);
    result('ipc-rtt', 'median', s[Math.floor(s.length / 2)] / 1e3, 'us');
    result('ipc-rtt', 'mean', s.reduce((a, b) => a + b, 0) / s.length / 1e3, 'us');
    result('ipc-rtt', 'p99', s[Math.floor(s.length * 0.99)] / 1e3, 'us');
    await p.close();
  } else if (scenario === 'first') {
    const [count] = args;
    const runs = [];
    for (let i = 0; i <= count; i++) {
      const r = await firstOnce();
      if (i > 0) runs.push(r);
    }
    ['median', 'fork_call', 'to_main', 'open_channel', 'first_send'].forEach((m, k) =>
      result('fork-first', m, median(runs.map((r) => r[k])), 'ms'));
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
})();
