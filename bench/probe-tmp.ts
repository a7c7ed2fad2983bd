import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, createLocalJWKSet, jwtVerify } from 'jose';
import { Redis } from 'ioredis';
import { buildApp, API_PREFIX } from '../src/api/app.js';
import { grant } from '../src/auth/grants.js';
import { createPrisma } from '../src/db/client.js';
import { createLogger } from '../src/lib/logger.js';

const dbUrl = 'postgresql://postgres:postgres@127.0.0.1:5432/seller_finance_bench';
const logger = createLogger({ level: 'warn' });
const { privateKey, publicKey } = await generateKeyPair('ES256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'b', alg: 'ES256' };
const jwks = createServer((_q, r) =>
  r.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
);
await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
const token = await new SignJWT({})
  .setProtectedHeader({ alg: 'ES256', kid: 'b' })
  .setSubject('u')
  .setIssuer('i')
  .setAudience('a')
  .setExpirationTime('1h')
  .sign(privateKey);
const local = createLocalJWKSet({ keys: [jwk] });
let t = performance.now();
for (let i = 0; i < 1000; i++) await jwtVerify(token, local, { algorithms: ['ES256'] });
console.log('jwtVerify ms/op', (performance.now() - t) / 1000);
const prisma = createPrisma({ url: dbUrl, poolSize: 4 });
const acc = await prisma.financeAccount.findFirst();
t = performance.now();
for (let i = 0; i < 1000; i++)
  await prisma.$queryRaw`SELECT id::text FROM finance."FinanceAccount" WHERE id = ${acc!.id.toString()}::bigint`;
console.log('queryRaw ms/op', (performance.now() - t) / 1000);
const keyPrefix = `p${Date.now()}:`;
const app = await buildApp({
  logger,
  db: { url: dbUrl, poolSize: 10 },
  redis: { url: 'redis://127.0.0.1:6379/2', keyPrefix },
  temporal: { address: '127.0.0.1:7233', namespace: 'default', taskQueue: 'x', uiUrl: 'x' },
  jwt: { jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/j`, issuer: 'i', audience: 'a' },
  credentialKey: { id: 'k', key: randomBytes(32) },
  snowflakeNodeId: 1,
  voucherWaitMs: 1000,
  rateLimitPerMinute: 1e8,
});
const redis = new Redis('redis://127.0.0.1:6379/2');
await grant(
  { prisma, redis, keyPrefix },
  { user: 'u', role: 'viewer', merchant: acc!.merchantId.toString() },
);
for (const [name, url, auth] of [
  ['healthz', `${API_PREFIX}/healthz`, false],
  ['account', `${API_PREFIX}/accounts/${acc!.id}`, true],
  ['count', `${API_PREFIX}/accounts/count`, true],
] as const) {
  await app.inject({ url, headers: auth ? { authorization: `Bearer ${token}` } : {} });
  t = performance.now();
  for (let i = 0; i < 500; i++)
    await app.inject({ url, headers: auth ? { authorization: `Bearer ${token}` } : {} });
  console.log(name, 'ms/op', (performance.now() - t) / 500);
}
t = performance.now();
for (let i = 0; i < 500; i++) await app.authz.can('u', acc!.merchantId.toString(), 'account', 'read');
console.log('authz.can ms/op', (performance.now() - t) / 500);
await app.close();
await redis.quit();
await prisma.$disconnect();
jwks.close();
