/** Who the caller is: role names are not identities, tokens are verified, the same on /ws and the codec endpoint. */
import type { Attack } from '../attack-table.js';
import { NOT_FOUND, UNAUTHENTICATED, VALIDATION_FAILED } from './common.js';

export const IDENTITIES: Attack[] = [
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
    request: { method: 'POST', path: '/vouchers/{mine.voucher}/void', body: { reason: 'attack' } },
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

  // --- Temporal codec endpoint (decrypts workflow payloads: admins on every merchant only) -------
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
];
