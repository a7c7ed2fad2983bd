/** Per-IP limits key on the client the trusted proxy names, and on nothing a client can choose. */
import type { Attack } from '../attack-table.js';
import { PER_IP_LIMIT } from './common.js';

export const CLIENT_ADDRESSES: Attack[] = [
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
];
