/* global module, require, process */
// autocannon `setupClient` (run in its worker thread, hence CommonJS and a file):
// each connection is a virtual user presenting its own token, read from the
// JSON array in BENCH_TOKENS_FILE, so no two connections share a verification.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- autocannon require()s this file in its worker
const { readFileSync } = require('node:fs');

const tokens = JSON.parse(readFileSync(process.env.BENCH_TOKENS_FILE, 'utf8'));
let next = 0;

module.exports = function tokenPerConnection(client) {
  client.setHeaders({ authorization: `Bearer ${tokens[next % tokens.length]}` });
  next += 1;
};
