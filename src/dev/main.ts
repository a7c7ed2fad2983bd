/**
 * `npm run dev`: the whole product on this machine for a newcomer.
 * Stack up → migrate → a dev identity (ES256 JWKS on loopback, a token for a
 * demo admin) → every role in one process (RUN_MODE=all) → a demo stream of
 * events → the URLs and curl commands to look at it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { grant } from '../auth/grants.js';
import { closePrisma, createPrisma } from '../db/client.js';
import { dbOf } from '../db/executor.js';
import { applyMigrations } from '../db/migrate.js';
import { createKafka } from '../ingest/kafka.js';
import { ensureTopics } from '../ingest/topics.js';
import { parseKafkaConfig } from '../config/kafka.js';
import { createLogger } from '../lib/logger.js';
import { DEMO_MERCHANTS, produceDemoEvents } from './demo-events.js';
import { startDevIdentity } from './identity.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const say = (line = '') => process.stdout.write(`${line}\n`);
const port = Number(process.env.PORT ?? 3000);
const base = `http://127.0.0.1:${port}/v1/api/finance`;
const temporalUi = process.env.APP_ENV_TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233';

say('seller-finance dev: starting the local stack (the first run installs it; see README)');
if (spawnSync('bash', ['infra/stack.sh', 'up'], { cwd: ROOT, stdio: 'inherit' }).status !== 0)
  process.exit(1);

const env: Record<string, string> = {
  APP_ENV_DB_URL: 'postgresql://postgres:postgres@127.0.0.1:5432/seller_finance',
  APP_ENV_REDIS_URL: 'redis://127.0.0.1:6379/0',
  APP_ENV_KAFKA_BROKERS: '127.0.0.1:9092',
  APP_ENV_TEMPORAL_ADDRESS: '127.0.0.1:7233',
  ...(Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('APP_ENV_'))) as Record<
    string,
    string
  >),
};

const migrated = await applyMigrations({ databaseUrl: env.APP_ENV_DB_URL! });
say(
  `migrate    ${migrated.applied.length ? `applied ${migrated.applied.join(', ')}` : 'database up to date'}`,
);
const identity = await startDevIdentity(Number(process.env.DEV_JWKS_PORT ?? 3999));
const adminToken = await identity.token('demo-admin');

// Grant the demo admin every merchant, through the same code as `npm run finance -- grant`.
const prisma = createPrisma({ url: env.APP_ENV_DB_URL!, poolSize: 2 });
const redis = new Redis(env.APP_ENV_REDIS_URL!);
await grant({ db: dbOf(prisma), redis }, { user: 'demo-admin', role: 'admin', merchant: '*' });
redis.disconnect();

const app = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
  cwd: ROOT,
  stdio: ['ignore', 'pipe', 'inherit'],
  env: {
    ...process.env,
    ...env,
    RUN_MODE: 'all',
    NODE_ENV: 'development',
    PORT: String(port),
    APP_ENV_JWKS_URL: identity.jwksUrl,
    APP_ENV_JWT_ISSUER: identity.issuer,
    APP_ENV_JWT_AUDIENCE: identity.audience,
    APP_ENV_ENCRYPTION_KEY: process.env.APP_ENV_ENCRYPTION_KEY ?? devEncryptionKey(),
    APP_ENV_TEMPORAL_UI_URL: temporalUi,
  },
});
// The service's JSON logs go to .stack/logs/dev.log; this terminal shows the tour.
mkdirSync(`${ROOT}.stack/logs`, { recursive: true });
const logPath = `${ROOT}.stack/logs/dev.log`;
writeFileSync(logPath, '');
app.stdout!.on('data', (chunk: Buffer) => writeFileSync(logPath, chunk, { flag: 'a' }));
const stop = () => {
  app.kill('SIGTERM');
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
app.once('exit', (code) => {
  void identity.close();
  void closePrisma(prisma);
  process.exit(code ?? 0);
});

await waitForReady();
say('\nseller-finance is ready (every role in one process; JSON logs in .stack/logs/dev.log)\n');
say('Sending a demo stream of events:');
const kafkaConfig = parseKafkaConfig(env);
const kafka = createKafka(kafkaConfig, createLogger({ level: 'error' }), '-dev-demo');
const admin = kafka.admin();
await admin.connect();
await ensureTopics(
  admin,
  [kafkaConfig.topics.sale, kafkaConfig.topics.inventory, kafkaConfig.topics.merchantCdc],
  kafkaConfig.topicPartitions,
  createLogger({ level: 'error' }),
);
await admin.disconnect();
const producer = kafka.producer();
await producer.connect();
await produceDemoEvents(producer, dbOf(prisma), kafkaConfig.topics, say);
await producer.disconnect();

const merchant = DEMO_MERCHANTS[0].id;
say(`
  API          ${base}
  OpenAPI      ${base}/doc/openapi.json   (browse: ${base}/doc/)
  Temporal UI  ${temporalUi}/namespaces/default/workflows?query=${encodeURIComponent(`MerchantId="${merchant}"`)}

A token for the demo admin (valid 12 h):
  export TOKEN=${adminToken}

Try:
  curl -s -H "Authorization: Bearer $TOKEN" "${base}/accounts?merchantId=${merchant}"
  curl -s -H "Authorization: Bearer $TOKEN" "${base}/vouchers?merchantId=${merchant}"
  curl -s -H "Authorization: Bearer $TOKEN" "${base}/reports/trial-balance?merchantId=${merchant}"
  APP_ENV_DB_URL=${env.APP_ENV_DB_URL} npm run finance -- verify
  curl -s ${base.replace(/\/v1\/api\/finance$/, '')}/metrics | grep '^finance_vouchers_posted_total'

Live updates (prints "ready", then each posting and balance as it commits; Ctrl-C to leave):
  node -e "new (require('ws'))('${base.replace(/^http/, 'ws')}/ws', { headers: { authorization: 'Bearer ' + process.env.TOKEN } }).on('message', (m) => console.log(String(m)))"

Ctrl-C stops the service (the stack keeps running: npm run stack:down).`);

function devEncryptionKey(): string {
  // Kept across runs so payment credentials stored in dev stay readable.
  const path = `${ROOT}.stack/dev-encryption.key`;
  if (!existsSync(path)) {
    mkdirSync(`${ROOT}.stack`, { recursive: true });
    writeFileSync(path, randomBytes(32).toString('base64'), { mode: 0o600 });
  }
  return readFileSync(path, 'utf8').trim();
}

async function waitForReady(): Promise<void> {
  for (let i = 0; i < 240; i += 1) {
    try {
      const res = await fetch(`${base}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (app.exitCode !== null)
      throw new Error(`the service exited (${app.exitCode}); see .stack/logs/dev.log`);
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('the service did not become ready in 2 minutes; see .stack/logs/dev.log');
}
