import { type Env, intInRange, parseEnv } from './parse.js';

/** The outbox relay of the worker role (docs/reference/voucher-stream.md). */
export function parseOutboxConfig(env: Env) {
  const parsed = parseEnv(
    {
      APP_ENV_OUTBOX_POLL_MS: intInRange(10, 60_000, 200),
      APP_ENV_OUTBOX_RETENTION_HOURS: intInRange(1, 24 * 90, 72),
    },
    env,
  );
  return {
    pollMs: parsed.APP_ENV_OUTBOX_POLL_MS,
    retentionMs: parsed.APP_ENV_OUTBOX_RETENTION_HOURS * 3_600_000,
  };
}
