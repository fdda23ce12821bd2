'use strict';
// Shared by the side-by-side scripts: the RESULT line format that Report (Java) reads.

function result(scenario, metric, value, unit) {
  console.log(`RESULT ${scenario} node ${metric} ${value.toFixed(2)} ${unit}`);
}

function intArg(i, dflt) {
  const v = process.argv[2 + i];
  return v === undefined ? dflt : Number.parseInt(v, 10);
}

// Runs `warmUp` then `count` sequential calls of the async `call`; returns elapsed seconds of the latter.
async function timed(call, warmUp, count) {
  for (let i = 0; i < warmUp; i++) await call();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await call();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

module.exports = { result, intArg, timed };
