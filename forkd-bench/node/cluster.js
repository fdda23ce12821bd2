'use strict';
// The cluster demo of forkd-examples (ClusterDemo / DemoWorker) with Node's cluster module, for run-cluster.sh.
// Usage: node cluster.js [port=3000] [workers=2] [policy=rr|none]
//   /          "Handled by process <pid>"
//   /sum?n=N   a CPU-bound loop of N steps (the article's longComputation; default 1e9)
//   SIGHUP     rolling restart: for each old worker, fork a new one, wait for 'listening', then disconnect the
//              old one and wait for its exit (the article's zero-downtime restart)
//   SIGTERM    disconnect every worker, then exit
const cluster = require('node:cluster');
const http = require('node:http');

const port = Number.parseInt(process.argv[2] || '3000', 10);
const workers = Number.parseInt(process.argv[3] || '2', 10);
const policy = process.argv[4] || 'rr';

if (cluster.isPrimary) {
  cluster.schedulingPolicy = policy === 'none' ? cluster.SCHED_NONE : cluster.SCHED_RR;
  let listening = 0;
  let reloading = false;
  cluster.on('listening', (w, address) => {
    console.log(`worker ${w.id} (pid ${w.process.pid}) listening on port ${address.port}`);
    if (++listening === workers) console.log(`\nnode cluster: ${workers} workers, policy ${policy}, primary pid ${process.pid}`);
  });
  cluster.on('exit', (w, code, signal) => {
    console.log(`worker ${w.id} (pid ${w.process.pid}) exited: ${signal || code}${w.exitedAfterDisconnect ? ' (asked to)' : ''}`);
    if (!w.exitedAfterDisconnect) cluster.fork();
  });
  for (let i = 0; i < workers; i++) cluster.fork();

  process.on('SIGHUP', async () => {
    if (reloading) return;
    reloading = true;
    console.log('SIGHUP: reloading workers one by one');
    const replaced = [];
    for (const old of Object.values(cluster.workers)) {
      const fresh = cluster.fork();
      await new Promise((resolve) => fresh.once('listening', resolve));
      await new Promise((resolve) => { old.once('exit', resolve); old.disconnect(); });
      replaced.push(`${old.id}->${fresh.id}`);
    }
    console.log(`reload done: [${replaced.join(', ')}]`);
    reloading = false;
  });
  process.on('SIGTERM', () => {
    for (const w of Object.values(cluster.workers)) w.disconnect();
    cluster.disconnect(() => process.exit(0));
  });
} else {
  const longComputation = (n) => {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += i;
    return sum;
  };
  http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (url.pathname === '/') {
      res.end(`Handled by process ${process.pid}\n`);
    } else if (url.pathname === '/sum') {
      const n = Number.parseInt(url.searchParams.get('n') || '1000000000', 10);
      res.end(`Sum of ${n} steps is ${longComputation(n)} (process ${process.pid})\n`);
    } else {
      res.statusCode = 404;
      res.end(`Not found: ${url.pathname}\n`);
    }
  }).listen(port, '127.0.0.1');
}
