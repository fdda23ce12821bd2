// A Node cluster worker that asks its primary for what it cannot serve, and prints what it answers:
// a malformed queryServer (sent by hand, as a buggy peer would) and a UDP socket.
const cluster = require('cluster');
process.on('internalMessage', m => {
  if (m.cmd === 'NODE_CLUSTER' && m.ack === 1000) {
    console.log(JSON.stringify({ malformed: m }));
    const udp = require('dgram').createSocket('udp4');
    udp.on('error', e => { console.log(JSON.stringify({ udp: e.code })); process.exit(0); });
    udp.bind(0);
  }
});
process.send({ cmd: 'NODE_CLUSTER', act: 'queryServer', port: 'eighty', address: null, seq: 1000 });
console.log(JSON.stringify({ isWorker: cluster.isWorker, id: cluster.worker.id }));
