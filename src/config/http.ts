import { isIP } from 'node:net';
import { z } from 'zod';
import { commaList, type Env, intInRange, parseEnv } from './parse.js';

/** `10.0.0.7`, `::1`, `10.42.0.0/16`, `fd00::/8`: what Fastify's trustProxy (proxy-addr) accepts as an address. */
function isAddressOrCidr(entry: string): boolean {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}

export type HttpConfig = ReturnType<typeof parseHttpConfig>;

export function parseHttpConfig(env: Env) {
  const parsed = parseEnv(
    {
      APP_ENV_JWKS_URL: z.url({ message: 'is required: the identity provider JWKS URL' }),
      APP_ENV_JWT_ISSUER: z.string({ message: 'is required: the expected JWT issuer' }),
      APP_ENV_JWT_AUDIENCE: z.string({ message: 'is required: the expected JWT audience' }),
      APP_ENV_ENCRYPTION_KEY: z
        .base64({ message: 'must be 32 bytes, base64-encoded' })
        .refine((s) => Buffer.from(s, 'base64').length === 32, 'must decode to exactly 32 bytes'),
      APP_ENV_ENCRYPTION_KEY_ID: z.string().default('k1'),
      APP_ENV_RATE_LIMIT_PER_MINUTE: intInRange(1, 1_000_000, 600),
      APP_ENV_VOUCHER_WAIT_MS: intInRange(100, 60_000, 10_000),
      /** Reverse proxies whose X-Forwarded-For is believed (per-IP limits key on the client it names). */
      APP_ENV_TRUSTED_PROXIES: commaList
        .refine((list) => list.every(isAddressOrCidr), 'must be a comma list of IP addresses or CIDRs')
        .default([]),
      /** The longest a revoke whose Redis notification was lost goes unnoticed by a replica. */
      APP_ENV_AUTHZ_POLICY_RECHECK_MS: intInRange(500, 60_000, 5_000),
      /** WebSocket bounds (GET /ws), per API replica. */
      APP_ENV_WS_MAX_CONNECTIONS: intInRange(1, 1_000_000, 10_000),
      APP_ENV_WS_MAX_CONNECTIONS_PER_USER: intInRange(1, 10_000, 10),
      APP_ENV_WS_MAX_MESSAGES_PER_MINUTE: intInRange(1, 60_000, 120),
      APP_ENV_WS_MAX_TOKEN_AGE_SECONDS: intInRange(10, 7 * 24 * 3600, 3_600),
    },
    env,
  );
  return {
    jwksUrl: parsed.APP_ENV_JWKS_URL,
    jwtIssuer: parsed.APP_ENV_JWT_ISSUER,
    jwtAudience: parsed.APP_ENV_JWT_AUDIENCE,
    encryptionKey: Buffer.from(parsed.APP_ENV_ENCRYPTION_KEY, 'base64'),
    encryptionKeyId: parsed.APP_ENV_ENCRYPTION_KEY_ID,
    rateLimitPerMinute: parsed.APP_ENV_RATE_LIMIT_PER_MINUTE,
    voucherWaitMs: parsed.APP_ENV_VOUCHER_WAIT_MS,
    trustedProxies: parsed.APP_ENV_TRUSTED_PROXIES,
    authzPolicyRecheckMs: parsed.APP_ENV_AUTHZ_POLICY_RECHECK_MS,
    webSocket: {
      maxConnections: parsed.APP_ENV_WS_MAX_CONNECTIONS,
      maxConnectionsPerUser: parsed.APP_ENV_WS_MAX_CONNECTIONS_PER_USER,
      maxMessagesPerMinute: parsed.APP_ENV_WS_MAX_MESSAGES_PER_MINUTE,
      maxTokenAgeSeconds: parsed.APP_ENV_WS_MAX_TOKEN_AGE_SECONDS,
    },
  };
}
