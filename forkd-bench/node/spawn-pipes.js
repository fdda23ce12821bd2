'use strict';
// Sequential spawn + 'close' of `true` with Node's default stdio: three pipes.
// Usage: node spawn-pipes.js <warm-up> <count> [program, default true]
const { spawn } = require('node:child_process');
const { result, intArg, timed } = require('./common');

const program = process.argv[4] || 'true';

function spawnTrue() {
  return new Promise((resolve, reject) => {
    const child = spawn(program, []);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${program} exited ${code}`))));
  });
}

(async () => {
  const count = intArg(1, 2000);
  const secs = await timed(spawnTrue, intArg(0, 500), count);
  result('spawn-pipes', 'rate', count / secs, 'ops/s');
})();
