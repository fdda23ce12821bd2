'use strict';
// N concurrent `sleep S` children with stdout and stderr piped: the parent's threads and RSS while they run.
// Usage: node threads.js <children> <sleep seconds>
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const { result, intArg } = require('./common');

function status(field) {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith(field + ':'));
  return Number.parseInt(line.split(/\s+/)[1], 10);
}

(async () => {
  const n = intArg(0, 1000);
  const secs = intArg(1, 2);
  const osBefore = status('Threads');
  const rssBefore = status('VmRSS');
  await new Promise((resolve, reject) => {
    spawn('true', [], { stdio: 'ignore' }).on('error', reject).on('exit', resolve);
  });
  const rssFirst = status('VmRSS');
  const t0 = process.hrtime.bigint();
  const closed = [];
  for (let i = 0; i < n; i++) {
    const child = spawn('sleep', [String(secs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    closed.push(new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`sleep exited ${code}`))));
    }));
  }
  const spawnSecs = Number(process.hrtime.bigint() - t0) / 1e9;
  const osDuring = status('Threads');
  const rssDuring = status('VmRSS');
  await Promise.all(closed);
  const total = Number(process.hrtime.bigint() - t0) / 1e9;
  const s = 'threads';
  result(s, 'children', n, 'count');
  result(s, 'spawn_all_s', spawnSecs, 's');
  result(s, 'all_done_s', total, 's');
  result(s, 'os_threads_added', osDuring - osBefore, 'threads');
  result(s, 'rss_before', rssBefore / 1024, 'MiB');
  result(s, 'rss_during', rssDuring / 1024, 'MiB');
  result(s, 'rss_after_first_child', rssFirst / 1024, 'MiB');
  result(s, 'rss_added', (rssDuring - rssBefore) / 1024, 'MiB');
  result(s, 'rss_per_child', (rssDuring - rssFirst) / n, 'KiB');
  result(s, 'rss_peak', status('VmHWM') / 1024, 'MiB');
})();
