import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { Redis } from 'ioredis';
import { applyMerchantChange } from '../src/activities/merchants.js';
import { postPlan } from '../src/activities/posting.js';
import { buildApp, API_PREFIX } from '../src/api/app.js';
import { startServer } from '../src/api/server.js';
import { grant } from '../src/auth/grants.js';
import { createPrisma } from '../src/db/client.js';
import { applyMigrations } from '../src/db/migrate.js';
import { IdGenerator } from '../src/lib/ids.js';
import { createLogger } from '../src/lib/logger.js';
import { ensureDatabase } from './ledger.js';
import { fmt } from './stats.js';

/**
 * API read benchmark (issue 5): GET /accounts/:id, GET /accounts/:id/transactions
 * (first page, 50 lines) and GET /vouchers/:id, each through the whole stack
 * (JWT verification against a JWKS, Casbin decision from the Redis cache,
 * PostgreSQL), measured with autocannon against a Fastify hello-world route
 * served by the same process as the yardstick. Targets: ≥ 1,500 req/s and
 * p99 < 50 ms for the single-entity reads.
 */
export async function runApiBench(): Promise<void> {
  const seconds = Number(process.env.BENCH_SECONDS ?? 15);
  const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
  const base = process.env.BENCH_DB_BASE ?? 'postgresql://postgres:postgres@127.0.0.1:5432';
  const dbUrl = `${base}/seller_finance_bench`;
  const redisUrl = process.env.APP_ENV_REDIS_URL ?? 'redis://127.0.0.1:6379/2';
  await ensureDatabase(dbUrl);
  await applyMigrations({ databaseUrl: dbUrl });

  const logger = createLogger({ level: 'error' });
  const prisma = createPrisma({ url: dbUrl, poolSize: 4, applicationName: 'bench-setup' });
  const ids = new IdGenerator(11);
  const run = Date.now().toString(36);
  const merchantId = String(BigInt(Date.now()) * 1000n + BigInt(process.pid % 1000));
  await applyMerchantChange(
    { prisma, ids, logger },
    {
      op: 'c',
      position: '1',
      merchant: { id: merchantId, name: `bench ${run}`, currency: 'USD', status: 'ACTIVE' },
    },
  );
  const accounts = Object.fromEntries(
    (await prisma.financeAccount.findMany({ where: { merchantId: BigInt(merchantId) } })).map((a) => [
      a.code,
      a.id.toString(),
    ]),
  );
  let voucherId = '';
  for (let i = 0; i < 120; i += 1) {
    const v = await postPlan(
      { prisma, ids, logger },
      {
        merchantId,
        voucherType: 'RECEIPT',
        sourceType: 'bench.receipt',
        sourceId: `${run}-${i}`,
        postedAt: new Date().toISOString(),
        description: 'bench',
        createdBy: 'system',
        lines: [
          { account: { id: accounts.CASH! }, direction: 'DEBIT', amount: '10.00' },
          { account: { id: accounts.RECEIVABLE! }, direction: 'CREDIT', amount: '10.00' },
        ],
      },
    );
    voucherId = v!.voucherId;
  }

  // A real identity provider in miniature: ES256 key, JWKS over HTTP.
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'ES256' };
  const jwks = createServer((_req, res) =>
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
  );
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json`;
  const issuer = 'https://identity.bench/';
  const audience = 'seller-finance';
  const token = await new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
    .setSubject('bench-viewer')
    .setIssuer(issuer)
    .setAudience(audience)
    .setExpirationTime('1h')
    .sign(privateKey);

  const keyPrefix = `bench-${run}:`;
  const app = await buildApp({
    logger,
    db: { url: dbUrl, poolSize: 20 },
    redis: { url: redisUrl, keyPrefix },
    temporal: {
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'bench-unused',
      uiUrl: 'http://127.0.0.1:8233',
    },
    jwt: { jwksUrl, issuer, audience },
    credentialKey: { id: 'bench', key: randomBytes(32) },
    snowflakeNodeId: 11,
    voucherWaitMs: 1_000,
    rateLimitPerMinute: 100_000_000,
  });
  const redis = new Redis(redisUrl);
  await grant({ prisma, redis, keyPrefix }, { user: 'bench-viewer', role: 'viewer', merchant: merchantId });
  const server = await startServer(app, { host: '127.0.0.1', port: 0 });

  const hello = Fastify();
  hello.get('/hello', async () => ({ hello: 'world' }));
  const helloUrl = await hello.listen({ host: '127.0.0.1', port: 0 });

  const headers = { authorization: `Bearer ${token}` };
  const targets = [
    { name: 'GET /accounts/:id', url: `${server.url}${API_PREFIX}/accounts/${accounts.CASH}` },
    {
      name: 'GET /accounts/:id/transactions',
      url: `${server.url}${API_PREFIX}/accounts/${accounts.CASH}/transactions`,
    },
    { name: 'GET /vouchers/:id', url: `${server.url}${API_PREFIX}/vouchers/${voucherId}` },
  ];
  for (const t of targets) {
    const warm = await fetch(t.url, { headers });
    if (warm.status !== 200) throw new Error(`${t.name} answered ${warm.status}: ${await warm.text()}`);
  }

  // The load generator runs in a worker thread so it does not share the server's event loop.
  const measure = (url: string, h: Record<string, string> = {}) =>
    autocannon({ url, connections, duration: seconds, workers: 1, headers: h });
  console.log(
    `\nAPI reads: autocannon, ${connections} connections, ${seconds} s each, warm authorization cache`,
  );
  const yardstick = await measure(`${helloUrl}/hello`);
  const rows = [
    [
      'Fastify hello-world (yardstick)',
      fmt(yardstick.requests.average),
      fmt(yardstick.latency.p50, 1),
      fmt(yardstick.latency.p99, 1),
      String(yardstick.non2xx + yardstick.errors),
      '1.00',
    ],
  ];
  for (const t of targets) {
    const r = await measure(t.url, headers);
    rows.push([
      t.name,
      fmt(r.requests.average),
      fmt(r.latency.p50, 1),
      fmt(r.latency.p99, 1),
      String(r.non2xx + r.errors),
      fmt(r.requests.average / yardstick.requests.average, 2),
    ]);
  }
  const header = ['route', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx+errors', 'ratio'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));

  // Let the load generator's last requests drain before the server closes its clients.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await hello.close();
  await server.close();
  await redis.quit();
  await prisma.$disconnect();
  await new Promise<void>((resolve) => jwks.close(() => resolve()));
}
