/**
 * The attack table: who sends what, and the one answer the service must give.
 * attacks.test.ts runs every row over real HTTP (or a real WebSocket) against
 * one API on the real stack. Adding a case is adding a row.
 *
 * Placeholders in braces are filled from the fixture (attacks.test.ts):
 *   {mine} {theirs}                      merchant ids (the callers below are granted on `mine` only)
 *   {mine.CASH} {theirs.BANK} …           account ids by code
 *   {mineVoucher} {theirVoucher}          a posted RECEIPT of each merchant
 *   {viewer} {accountant} {admin}         users granted that role on `mine`
 *   {stranger}                            a user with no grant at all
 *   {unique}                              a fresh name per row
 *   {n}                                   (headers only) the repetition: 0, 1, 2… (see `times`)
 */

/** How the caller authenticates. */
export type Who =
  | { anonymous: true }
  | {
      /** A fixture user (`{viewer}`…) or a literal JWT subject (e.g. a role name). */
      sub: string;
      /** A token that is wrong in one way; default: a valid one. */
      token?: 'valid' | 'expired' | 'not-yet-valid' | 'wrong-issuer' | 'wrong-audience';
      /** Where the token goes; default: the Authorization header. */
      tokenIn?: 'header' | 'query';
    }
  /** A token made by someone without the identity provider's private key. */
  | { forged: 'alg-none' | 'hs256-public-key' | 'unknown-kid' | 'tampered-sub' | 'foreign-key' };

export interface AttackRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Under /v1/api/finance. */
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** A WebSocket upgrade instead of a plain request (path is then /ws). */
  websocket?: boolean;
  /**
   * Where the connection comes from. `proxy` (default): from the trusted
   * reverse proxy (127.0.0.1), which appends the client's address, one of its
   * own per row unless `client` names it, to X-Forwarded-For.
   * `direct`: straight from an address that is not a trusted proxy.
   */
  via?: 'proxy' | 'direct';
  /** The client address the proxy forwards (via proxy only). */
  client?: string;
  /** Sent this many times; the expectation is checked on the last answer. */
  times?: number;
}

export interface Expected {
  status: number;
  /** The error body's `code`. */
  code?: string;
  /** A subset the JSON body must match. */
  body?: unknown;
}

export interface Attack {
  name: string;
  who: Who;
  /** The request starts a workflow that must run (a manual voucher, a void): the table then runs a worker. */
  needsWorker?: boolean;
  /** Requests sent first whose answers are not checked (e.g. someone else using up a rate limit). */
  before?: (AttackRequest & { who?: Who })[];
  request: AttackRequest;
  expect: Expected;
}

const UNAUTHENTICATED: Expected = {
  status: 401,
  code: 'UNAUTHENTICATED',
  body: { message: 'authentication required' },
};
const NOT_FOUND: Expected = { status: 404, code: 'NOT_FOUND' };
const VALIDATION_FAILED: Expected = { status: 400, code: 'VALIDATION_FAILED' };
const EMPTY_PAGE: Expected = { status: 200, body: { items: [], nextCursor: null } };

/** The per-IP limit of the API under attack (requests per minute), small so floods are cheap. */
export const PER_IP_LIMIT = 6;

export const ATTACKS: Attack[] = [
  // --- Role names are not identities -------------------------------------------------------------
  {
    name: 'sub "admin" without any grant reads a trial balance',
    who: { sub: 'admin' },
    request: { method: 'GET', path: '/reports/trial-balance?merchantId={mine}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'sub "admin" without any grant grants itself admin on every merchant',
    who: { sub: 'admin' },
    request: { method: 'POST', path: '/admin/grants', body: { user: 'admin', role: 'admin', merchant: '*' } },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'sub "admin" reads an account',
    who: { sub: 'admin' },
    request: { method: 'GET', path: '/accounts/{theirs.CASH}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'sub "viewer" lists accounts',
    who: { sub: 'viewer' },
    request: { method: 'GET', path: '/accounts?merchantId={mine}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'sub "accountant" voids a voucher',
    who: { sub: 'accountant' },
    request: { method: 'POST', path: '/vouchers/{mineVoucher}/void', body: { reason: 'attack' } },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'sub "role:admin" (the reserved prefix) reads a trial balance',
    who: { sub: 'role:admin' },
    request: { method: 'GET', path: '/reports/trial-balance?merchantId={mine}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'sub "role:anything" lists vouchers',
    who: { sub: 'role:anything' },
    request: { method: 'GET', path: '/vouchers' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'sub "Admin" (a role name in another case) reads a trial balance',
    who: { sub: 'Admin' },
    request: { method: 'GET', path: '/reports/trial-balance?merchantId={mine}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'sub "admin" opens a WebSocket',
    who: { sub: 'admin' },
    request: { method: 'GET', path: '/ws', websocket: true },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'an admin grants a role to the user "viewer"',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/admin/grants',
      body: { user: 'viewer', role: 'viewer', merchant: '{mine}' },
    },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'an admin grants a role to the user "role:admin"',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/admin/grants',
      body: { user: 'role:admin', role: 'admin', merchant: '{mine}' },
    },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'an admin grants a role to the user "ADMIN"',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/admin/grants',
      body: { user: 'ADMIN', role: 'admin', merchant: '{mine}' },
    },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'an admin of one merchant grants itself admin on every merchant',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/admin/grants',
      body: { user: '{admin}', role: 'admin', merchant: '*' },
    },
    expect: NOT_FOUND,
  },
  {
    name: 'a user without any grant reads an account',
    who: { sub: '{stranger}' },
    request: { method: 'GET', path: '/accounts/{mine.CASH}' },
    expect: NOT_FOUND,
  },

  // --- Tokens ------------------------------------------------------------------------------------
  {
    name: 'no token',
    who: { anonymous: true },
    request: { method: 'GET', path: '/accounts/{mine.CASH}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'alg: none',
    who: { forged: 'alg-none' },
    request: { method: 'GET', path: '/accounts/{mine.CASH}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'HS256 signed with the identity provider’s public key',
    who: { forged: 'hs256-public-key' },
    request: { method: 'GET', path: '/accounts/{mine.CASH}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'unknown kid',
    who: { forged: 'unknown-kid' },
    request: { method: 'GET', path: '/accounts/{mine.CASH}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'signed by a key the identity provider does not hold',
    who: { forged: 'foreign-key' },
    request: { method: 'GET', path: '/accounts/{mine.CASH}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'a valid token whose sub was changed to "admin"',
    who: { forged: 'tampered-sub' },
    request: { method: 'GET', path: '/reports/trial-balance?merchantId={mine}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'expired token',
    who: { sub: '{viewer}', token: 'expired' },
    request: { method: 'GET', path: '/accounts/{mine.CASH}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'token not yet valid',
    who: { sub: '{viewer}', token: 'not-yet-valid' },
    request: { method: 'GET', path: '/accounts/{mine.CASH}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'wrong issuer',
    who: { sub: '{viewer}', token: 'wrong-issuer' },
    request: { method: 'GET', path: '/accounts/{mine.CASH}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'wrong audience',
    who: { sub: '{viewer}', token: 'wrong-audience' },
    request: { method: 'GET', path: '/accounts/{mine.CASH}' },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'a valid token in the query string',
    who: { sub: '{viewer}', tokenIn: 'query' },
    request: { method: 'GET', path: '/accounts/{mine.CASH}' },
    expect: UNAUTHENTICATED,
  },

  // --- Other tenants' ids in path, body and query ------------------------------------------------
  {
    name: 'another merchant’s account in the path',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: '/accounts/{theirs.CASH}' },
    expect: NOT_FOUND,
  },
  {
    name: 'another merchant’s account lines',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: '/accounts/{theirs.CASH}/transactions' },
    expect: NOT_FOUND,
  },
  {
    name: 'another merchant’s account balance',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: '/accounts/{theirs.CASH}/balance' },
    expect: NOT_FOUND,
  },
  {
    name: 'another merchant’s voucher',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: '/vouchers/{theirVoucher}' },
    expect: NOT_FOUND,
  },
  {
    name: 'another merchant’s trial balance (query)',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: '/reports/trial-balance?merchantId={theirs}' },
    expect: NOT_FOUND,
  },
  {
    name: 'another merchant’s accounts (list filter in the query)',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: '/accounts?merchantId={theirs}' },
    expect: EMPTY_PAGE,
  },
  {
    name: 'another merchant’s vouchers (list filter in the query)',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: '/vouchers?merchantId={theirs}' },
    expect: EMPTY_PAGE,
  },
  {
    name: 'another merchant’s account count (query)',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: '/accounts/count?merchantId={theirs}' },
    expect: { status: 200, body: { count: 0 } },
  },
  {
    name: 'an account created for another merchant (body)',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/accounts',
      body: { merchantId: '{theirs}', code: 'PETTY_CASH', name: 'Petty cash', type: 'ASSET' },
    },
    expect: NOT_FOUND,
  },
  {
    name: 'another merchant’s account renamed',
    who: { sub: '{admin}' },
    request: { method: 'PATCH', path: '/accounts/{theirs.BANK}', body: { name: 'mine now' } },
    expect: NOT_FOUND,
  },
  {
    name: 'another merchant’s account deleted',
    who: { sub: '{admin}' },
    request: { method: 'DELETE', path: '/accounts/{theirs.BANK}' },
    expect: NOT_FOUND,
  },
  {
    name: 'another merchant’s voucher voided',
    who: { sub: '{accountant}' },
    request: { method: 'POST', path: '/vouchers/{theirVoucher}/void', body: { reason: 'not mine' } },
    expect: NOT_FOUND,
  },
  {
    name: 'a payment integration for another merchant (body)',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/payment-integrations',
      body: { merchantId: '{theirs}', provider: 'stripe', name: 'theirs', credential: 'sk_test_12345678' },
    },
    expect: NOT_FOUND,
  },
  {
    name: 'another merchant’s grants (query)',
    who: { sub: '{admin}' },
    request: { method: 'GET', path: '/admin/grants?merchant={theirs}' },
    expect: NOT_FOUND,
  },
  {
    name: 'a grant on another merchant (body)',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/admin/grants',
      body: { user: '{unique}', role: 'viewer', merchant: '{theirs}' },
    },
    expect: NOT_FOUND,
  },

  // --- Client addresses behind the reverse proxy (per-IP limits) ---------------------------------
  {
    name: 'a client behind the proxy that used up its per-IP limit is refused',
    who: { sub: '{viewer}' },
    before: [{ method: 'GET', path: '/accounts/{mine.CASH}', client: '198.51.100.10', times: PER_IP_LIMIT }],
    request: { method: 'GET', path: '/accounts/{mine.CASH}', client: '198.51.100.10' },
    expect: { status: 429, code: 'RATE_LIMITED' },
  },
  {
    name: 'another client behind the same proxy keeps its own per-IP bucket',
    who: { sub: '{viewer}' },
    before: [
      { method: 'GET', path: '/accounts/{mine.CASH}', client: '198.51.100.20', times: PER_IP_LIMIT + 1 },
    ],
    request: { method: 'GET', path: '/accounts/{mine.CASH}', client: '198.51.100.21' },
    expect: { status: 200, body: { code: 'CASH' } },
  },
  {
    name: 'a client not behind a trusted proxy spoofs X-Forwarded-For to escape its per-IP limit',
    who: { sub: '{viewer}' },
    request: {
      method: 'GET',
      path: '/accounts/{mine.CASH}',
      via: 'direct',
      headers: { 'X-Forwarded-For': '203.0.113.{n}' },
      times: PER_IP_LIMIT + 1,
    },
    expect: { status: 429, code: 'RATE_LIMITED' },
  },
  {
    name: 'a client behind the proxy prepends a forged X-Forwarded-For to escape its per-IP limit',
    who: { sub: '{viewer}' },
    request: {
      method: 'GET',
      path: '/accounts/{mine.CASH}',
      client: '198.51.100.30',
      headers: { 'X-Forwarded-For': '203.0.113.{n}' },
      times: PER_IP_LIMIT + 1,
    },
    expect: { status: 429, code: 'RATE_LIMITED' },
  },

  // --- Temporal codec endpoint (decrypts workflow payloads: admins on every merchant only) ---------
  {
    name: 'the Temporal codec endpoint without a token',
    who: { anonymous: true },
    request: { method: 'POST', path: '/temporal/codec/decode', body: { payloads: [] } },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'the Temporal codec endpoint as a viewer',
    who: { sub: '{viewer}' },
    request: { method: 'POST', path: '/temporal/codec/decode', body: { payloads: [] } },
    expect: { status: 403, code: 'FORBIDDEN' },
  },
  {
    name: 'the Temporal codec endpoint as an admin of one merchant',
    who: { sub: '{admin}' },
    request: { method: 'POST', path: '/temporal/codec/decode', body: { payloads: [] } },
    expect: { status: 403, code: 'FORBIDDEN' },
  },
  {
    name: 'the Temporal codec endpoint (encode) as a role-named sub',
    who: { sub: 'admin' },
    request: { method: 'POST', path: '/temporal/codec/encode', body: { payloads: [] } },
    expect: UNAUTHENTICATED,
  },

  // --- WebSocket ---------------------------------------------------------------------------------
  {
    name: 'WebSocket without a token',
    who: { anonymous: true },
    request: { method: 'GET', path: '/ws', websocket: true },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'WebSocket with an expired token',
    who: { sub: '{viewer}', token: 'expired' },
    request: { method: 'GET', path: '/ws', websocket: true },
    expect: UNAUTHENTICATED,
  },
  {
    name: 'WebSocket with the token in the query string',
    who: { sub: '{viewer}', tokenIn: 'query' },
    request: { method: 'GET', path: '/ws', websocket: true },
    expect: UNAUTHENTICATED,
  },
];
