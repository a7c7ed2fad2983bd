import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { isReservedSubject } from './roles.js';

export interface JwtOptions {
  jwksUrl: string;
  issuer: string;
  audience: string;
  /** Seconds of clock skew tolerated on exp/nbf/iat (small: a stolen token must not live longer). */
  clockToleranceSeconds?: number;
  /** Minimum time between two JWKS fetches triggered by an unknown `kid` (default 30 s). */
  cooldownMs?: number;
  /** How long fetched keys are trusted before a refetch (default 10 min). */
  cacheMaxAgeMs?: number;
  /**
   * How long a verified token is remembered (default 30 s, never past its exp); 0 disables.
   * It is also how long a token signed by a key the identity provider has just retired stays accepted.
   */
  verifiedTtlMs?: number;
}

export interface Principal {
  /** The JWT subject: the user id grants refer to. */
  sub: string;
  /** When the token expires (ms since the epoch): a WebSocket is closed then. */
  expiresAt: number;
  /** When the token was issued (`iat`, ms since the epoch), when it says: bounds a WebSocket's life. */
  issuedAt?: number;
}

/** Any reason a token is refused. Its message is for logs only; clients get a plain 401. */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
}

/**
 * Verifies bearer tokens: ES256 only (so `alg: none` and an HS256 token
 * "signed" with the public key are refused before any key is chosen),
 * against the identity provider's JWKS (cached; an unknown `kid` triggers a
 * refetch, at most once per cooldown), with issuer, audience, expiry and
 * not-before checked, and a subject that is not a role name.
 */
export function createJwtVerifier(options: JwtOptions) {
  const jwks = createRemoteJWKSet(new URL(options.jwksUrl), {
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 10 * 60_000,
    timeoutDuration: 5_000,
  });
  const verifyOptions = {
    algorithms: ['ES256'],
    issuer: options.issuer,
    audience: options.audience,
    clockTolerance: options.clockToleranceSeconds ?? 5,
    requiredClaims: ['exp', 'sub'],
  };

  // An ES256 verification costs ~0.3 ms of CPU, a large share of a cached read.
  // A token already verified is remembered briefly (bounded, and never past
  // its own expiry), so a client's burst of requests pays for it once.
  const verifiedTtlMs = options.verifiedTtlMs ?? 30_000;
  const verified = new Map<string, { principal: Principal; until: number }>();
  const MAX_REMEMBERED = 10_000;

  return async function verify(token: string): Promise<Principal> {
    if (token.length > 8192) throw new AuthenticationError('token too long');
    const known = verified.get(token);
    if (known) {
      if (known.until > Date.now()) return known.principal;
      verified.delete(token);
    }
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, jwks, verifyOptions));
    } catch (err) {
      throw new AuthenticationError(
        `token rejected: ${(err as { code?: string }).code ?? (err as Error).name}`,
      );
    }
    if (typeof payload.sub !== 'string' || payload.sub.length === 0 || payload.sub.length > 255) {
      throw new AuthenticationError('token has no usable subject');
    }
    // A role's name is not an identity (roles.ts): such a token is refused like any
    // unusable token, 401, before any authorization is looked up.
    if (isReservedSubject(payload.sub)) {
      throw new AuthenticationError('token subject is a role name or under the reserved role: prefix');
    }
    const principal: Principal = {
      sub: payload.sub,
      expiresAt: (payload.exp ?? 0) * 1000,
      ...(typeof payload.iat === 'number' ? { issuedAt: payload.iat * 1000 } : {}),
    };
    if (verifiedTtlMs > 0) {
      if (verified.size >= MAX_REMEMBERED) verified.delete(verified.keys().next().value!);
      verified.set(token, {
        principal,
        until: Math.min(Date.now() + verifiedTtlMs, (payload.exp ?? 0) * 1000),
      });
    }
    return principal;
  };
}

/** `Authorization: Bearer <token>` → token, or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*)$/.exec(header.trim());
  return match ? match[1]! : null;
}

/** The subprotocol that carries a browser's token: `bearer.<jwt>` (browsers cannot set headers on a WebSocket). */
export const TOKEN_SUBPROTOCOL_PREFIX = 'bearer.';

/** `Sec-WebSocket-Protocol: finance.v1, bearer.<jwt>` → the jwt, or null. */
export function subprotocolToken(header: string | undefined): string | null {
  if (!header) return null;
  for (const offered of header.split(',')) {
    const protocol = offered.trim();
    if (!protocol.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) continue;
    const token = protocol.slice(TOKEN_SUBPROTOCOL_PREFIX.length);
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/.test(token) ? token : null;
  }
  return null;
}
