import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { createLocalJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import { Redis } from 'ioredis';
import { applyMerchantChange } from '../src/activities/merchants.js';
import { postPlan } from '../src/activities/posting.js';
import { buildApp, API_PREFIX } from '../src/api/app.js';
import { startServer } from '../src/api/server.js';
import { grant } from '../src/auth/grants.js';
import { listAccounts } from '../src/db/accounts.js';
import { closePrisma, createPrisma } from '../src/db/client.js';
import { dbOf } from '../src/db/executor.js';
import { EVERY_MERCHANT } from '../src/db/tenancy.js';
import { applyMigrations } from '../src/db/migrate.js';
import { IdGenerator } from '../src/lib/ids.js';
import { createLogger } from '../src/lib/logger.js';
import { ensureDatabase } from './ledger.js';
import { fmt } from './stats.js';

/**
 * API read benchmark: GET /accounts/:id, GET /accounts/:id/transactions
 * (first page, 50 lines) and GET /vouchers/:id, each through the whole stack
 * (JWT verification against a JWKS, Casbin decision from the Redis cache,
 * PostgreSQL), measured with autocannon against a Fastify hello-world route
 * served by the same process as the yardstick. Targets: ≥ 1,500 req/s and
 * p99 < 50 ms for the single-entity reads. Each connection is a virtual user
 * with its own grant and its own freshly signed token; besides the usual path
 * (a verified token remembered for 30 s), GET /accounts/:id is measured with
 * ES256 verification on every request, and the verification alone is timed.
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
  const db = dbOf(prisma);
  const ids = new IdGenerator(11);
  const run = Date.now().toString(36);
  const merchantId = String(BigInt(Date.now()) * 1000n + BigInt(process.pid % 1000));
  await applyMerchantChange(
    { db, ids, logger },
    {
      op: 'c',
      position: '1',
      merchant: { id: merchantId, name: `bench ${run}`, currency: 'USD', status: 'ACTIVE' },
    },
  );
  const accounts = Object.fromEntries(
    (await listAccounts(db, EVERY_MERCHANT, { merchantId }, null, 100)).map((a) => [a.code, a.id]),
  );
  let voucherId = '';
  for (let i = 0; i < 120; i += 1) {
    const v = await postPlan(
      { db, ids, logger },
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
  const keyPrefix = `bench-${run}:`;
  const apiOptions = (verifiedTtlMs?: number): Parameters<typeof buildApp>[0] => ({
    logger,
    db: { url: dbUrl, poolSize: 20 },
    redis: { url: redisUrl, keyPrefix },
    temporal: {
      address: '127.0.0.1:7233',
      namespace: 'default',
      taskQueue: 'bench-unused',
      uiUrl: 'http://127.0.0.1:8233',
    },
    jwt: { jwksUrl, issuer, audience, ...(verifiedTtlMs !== undefined ? { verifiedTtlMs } : {}) },
    credentialKey: { id: 'bench', key: randomBytes(32) },
    snowflakeNodeId: 11,
    voucherWaitMs: 1_000,
    rateLimitPerMinute: 100_000_000,
  });
  const app = await buildApp(apiOptions());
  const redis = new Redis(redisUrl);
  // One user per connection, each with its own grant and its own freshly signed token.
  const sign = (sub: string) =>
    new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'bench' })
      .setSubject(sub)
      .setIssuer(issuer)
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
  const tokens: string[] = [];
  for (let i = 0; i < connections; i += 1) {
    const sub = `bench-viewer-${run}-${i}`;
    await grant({ db, redis, keyPrefix }, { user: sub, role: 'viewer', merchant: merchantId });
    tokens.push(await sign(sub));
  }
  const tokenDir = mkdtempSync(join(tmpdir(), 'sf-bench-tokens-'));
  process.env.BENCH_TOKENS_FILE = join(tokenDir, 'tokens.json');
  writeFileSync(process.env.BENCH_TOKENS_FILE, JSON.stringify(tokens));
  const setupClient = fileURLToPath(new URL('./token-per-connection.cjs', import.meta.url));
  const server = await startServer(app, { host: '127.0.0.1', port: 0 });

  const hello = Fastify();
  hello.get('/hello', async () => ({ hello: 'world' }));
  const helloUrl = await hello.listen({ host: '127.0.0.1', port: 0 });

  const headers = { authorization: `Bearer ${tokens[0]}` };
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
  // CPU per request (this process: server and load generator) is reported beside req/s because on
  // a shared, loaded machine it moves far less than throughput does.
  const measure = async (url: string, perUser = false) => {
    const cpuBefore = process.cpuUsage();
    const result = await autocannon({
      url,
      connections,
      duration: seconds,
      workers: 1,
      ...(perUser ? { setupClient } : {}),
    });
    const cpu = process.cpuUsage(cpuBefore);
    return { ...result, cpuMicrosPerRequest: (cpu.user + cpu.system) / Math.max(1, result.requests.total) };
  };
  console.log(
    `\nAPI reads: autocannon, ${connections} connections (one user and token each), ${seconds} s each, warm authorization cache`,
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
      fmt(yardstick.cpuMicrosPerRequest),
    ],
  ];
  const row = (name: string, r: Awaited<ReturnType<typeof measure>>) =>
    rows.push([
      name,
      fmt(r.requests.average),
      fmt(r.latency.p50, 1),
      fmt(r.latency.p99, 1),
      String(r.non2xx + r.errors),
      fmt(r.requests.average / yardstick.requests.average, 2),
      fmt(r.cpuMicrosPerRequest),
    ]);
  let cachedAccount: Awaited<ReturnType<typeof measure>> | undefined;
  for (const t of targets) {
    const r = await measure(t.url, true);
    if (t.name === 'GET /accounts/:id') cachedAccount = r;
    row(t.name, r);
  }

  // The same read with every request paying its ES256 verification (no remembered tokens).
  const uncachedApp = await buildApp(apiOptions(0));
  const uncached = await startServer(uncachedApp, { host: '127.0.0.1', port: 0 });
  const perRequest = await measure(`${uncached.url}${API_PREFIX}/accounts/${accounts.CASH}`, true);
  row('GET /accounts/:id, ES256 verified on every request', perRequest);

  const header = ['route', 'req/s', 'p50 ms', 'p99 ms', 'non-2xx+errors', 'ratio', 'CPU µs/req'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n'));
  console.log(
    `per-request ES256 verification: ${fmt(perRequest.requests.average / cachedAccount!.requests.average, 2)}× the cached read's throughput, +${fmt(perRequest.cpuMicrosPerRequest - cachedAccount!.cpuMicrosPerRequest, 0)} µs of CPU per request`,
  );
  console.log(
    `ES256 verification alone (jose, one thread): CPU ${fmt(await verifyMicros(tokens, jwk, { issuer, audience }), 0)} µs`,
  );

  // Let the load generator's last requests drain before the server closes its clients.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await hello.close();
  await uncached.close();
  await server.close();
  rmSync(tokenDir, { recursive: true, force: true });
  await redis.quit();
  await closePrisma(prisma);
  await new Promise<void>((resolve) => jwks.close(() => resolve()));
}

/** Mean CPU µs of one `jwtVerify` of distinct tokens against an in-memory key set (no JWKS fetch involved). */
async function verifyMicros(
  tokens: string[],
  jwk: Record<string, unknown>,
  expect: { issuer: string; audience: string },
): Promise<number> {
  const keys = createLocalJWKSet({ keys: [jwk] });
  const rounds = 2_000;
  for (let i = 0; i < 200; i += 1) await jwtVerify(tokens[i % tokens.length]!, keys, expect);
  const started = process.cpuUsage();
  for (let i = 0; i < rounds; i += 1) await jwtVerify(tokens[i % tokens.length]!, keys, expect);
  const cpu = process.cpuUsage(started);
  return (cpu.user + cpu.system) / rounds;
}
