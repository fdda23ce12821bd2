'use strict';
// Bulk capture: execFile('head', ['-c', N, '/dev/zero']) into one Buffer (encoding 'buffer', no maxBuffer).
// Usage: node capture.js <bytes> <warm-up> <count>
const { execFile } = require('node:child_process');
const { result, intArg, timed } = require('./common');

const bytes = intArg(0, 268435456);

function capture() {
  return new Promise((resolve, reject) => {
    execFile('head', ['-c', String(bytes), '/dev/zero'], { encoding: 'buffer', maxBuffer: Infinity },
      (err, stdout) => {
        if (err) reject(err);
        else if (stdout.length !== bytes) reject(new Error(`captured ${stdout.length} bytes`));
        else resolve();
      });
  });
}

(async () => {
  const count = intArg(2, 5);
  const secs = await timed(capture, intArg(1, 2), count);
  result('capture', 'throughput', (bytes * count) / 2 ** 20 / secs, 'MiB/s');
})();
