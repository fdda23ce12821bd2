'use strict';
// Shared by spawn-true.js and spawn-pipes.js: sequential spawn of a do-nothing program, awaiting `event`.
// Usage of both: node <script> <warm-up> <count> [program, default true]
const { spawn } = require('node:child_process');
const { result, intArg, timed } = require('./common');

module.exports = function spawnLoop(scenario, options, event) {
  const program = process.argv[4] || 'true';
  const once = () => new Promise((resolve, reject) => {
    const child = spawn(program, [], options);
    child.on('error', reject);
    child.on(event, (code) => (code === 0 ? resolve() : reject(new Error(`${program} exited ${code}`))));
  });
  (async () => {
    const count = intArg(1, 2000);
    const secs = await timed(once, intArg(0, 500), count);
    result(scenario, 'rate', count / secs, 'ops/s');
  })();
};
