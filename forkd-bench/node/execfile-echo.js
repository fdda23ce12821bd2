'use strict';
// Sequential execFile('echo', ['hello']) with stdout and stderr captured.
// Usage: node execfile-echo.js <warm-up> <count> [program that prints hello, default echo]
const { execFile } = require('node:child_process');
const { result, intArg, timed } = require('./common');

const program = process.argv[4] || 'echo';

function echo() {
  return new Promise((resolve, reject) => {
    execFile(program, ['hello'], (err, stdout) => {
      if (err) reject(err);
      else if (stdout !== 'hello\n') reject(new Error(`unexpected output ${JSON.stringify(stdout)}`));
      else resolve();
    });
  });
}

(async () => {
  const count = intArg(1, 2000);
  const secs = await timed(echo, intArg(0, 500), count);
  result('execfile-echo', 'rate', count / secs, 'ops/s');
})();
