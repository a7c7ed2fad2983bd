import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/index.js';
import { parseHttpConfig } from '../../src/config/http.js';

const base = {
  APP_ENV_JWKS_URL: 'https://id.test/jwks.json',
  APP_ENV_JWT_ISSUER: 'https://id.test/',
  APP_ENV_JWT_AUDIENCE: 'seller-finance',
  APP_ENV_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
};

const problems = (env: Record<string, string>) => {
  try {
    parseHttpConfig({ ...base, ...env });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe('the API’s hardening settings', () => {
  it('trusts no proxy by default, and the addresses and CIDRs it is given', () => {
    expect(parseHttpConfig(base).trustedProxies).toEqual([]);
    expect(
      parseHttpConfig({ ...base, APP_ENV_TRUSTED_PROXIES: '10.42.0.0/16, 192.0.2.7,fd00::/8 , ::1' })
        .trustedProxies,
    ).toEqual(['10.42.0.0/16', '192.0.2.7', 'fd00::/8', '::1']);
  });

  it('refuses anything but addresses and CIDRs as trusted proxies (never "trust everyone")', () => {
    for (const bad of ['true', '*', '10.0.0.0/33', 'traefik.kube-system', '10.0.0.1/8/8', '::1/129'])
      expect(problems({ APP_ENV_TRUSTED_PROXIES: bad }), bad).toEqual([
        expect.stringMatching(/^APP_ENV_TRUSTED_PROXIES: must be a comma list of IP addresses or CIDRs/),
      ]);
  });

  it('bounds WebSockets and the policy recheck with defaults, and only within their ranges', () => {
    const config = parseHttpConfig(base);
    expect(config.webSocket).toEqual({
      maxConnections: 10_000,
      maxConnectionsPerUser: 10,
      maxMessagesPerMinute: 120,
      maxTokenAgeSeconds: 3_600,
    });
    expect(config.authzPolicyRecheckMs).toBe(5_000);
    expect(problems({ APP_ENV_WS_MAX_CONNECTIONS_PER_USER: '0' })[0]).toMatch(
      /^APP_ENV_WS_MAX_CONNECTIONS_PER_USER/,
    );
    expect(problems({ APP_ENV_AUTHZ_POLICY_RECHECK_MS: '600000' })[0]).toMatch(
      /^APP_ENV_AUTHZ_POLICY_RECHECK_MS/,
    );
  });
});
