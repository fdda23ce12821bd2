'use strict';
// Sequential spawn + 'exit' of `true` with stdio 'ignore'.
// Usage: node spawn-true.js <warm-up> <count> [program, default true]
require('./spawn-loop')('spawn-true', { stdio: 'ignore' }, 'exit');
