'use strict';
// Sequential spawn + 'close' of `true` with Node's default stdio: three pipes.
// Usage: node spawn-pipes.js <warm-up> <count> [program, default true]
require('./spawn-loop')('spawn-pipes', {}, 'close');
