/** The real services the suite talks to (infra/test.sh sets these; defaults match `npm run stack:up`). */
export const testEnv = {
  dbUrl: process.env.APP_ENV_DB_URL ?? 'postgresql://postgres:postgres@127.0.0.1:5432/seller_finance_test',
  redisUrl: process.env.APP_ENV_REDIS_URL ?? 'redis://127.0.0.1:6379/1',
  kafkaBrokers: (process.env.APP_ENV_KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
  temporalAddress: process.env.APP_ENV_TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  temporalNamespace: process.env.APP_ENV_TEMPORAL_NAMESPACE ?? 'default',
};

let counter = 0;
/** A merchant id no other test (or earlier run) uses, so suites never need to truncate tables. */
export function uniqueMerchantId(): string {
  counter += 1;
  return `${Date.now() % 1_000_000_000_000}${String(process.pid % 1000).padStart(3, '0')}${String(counter % 100).padStart(2, '0')}`;
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
