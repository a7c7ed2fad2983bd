/** Another tenant's ids in the path, the body and the query: not found, or an empty page. */
import type { Attack } from '../attack-table.js';
import { COUNT_ZERO, EMPTY_PAGE, NOT_FOUND } from './common.js';

export const TENANCY: Attack[] = [
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
    request: { method: 'GET', path: '/vouchers/{theirs.voucher}' },
    expect: NOT_FOUND,
  },
  {
    name: 'another merchant’s trial balance (query)',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: '/reports/trial-balance?merchantId={theirs}' },
    expect: NOT_FOUND,
  },
  {
    name: 'another merchant’s trial balance by period (query)',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: '/reports/trial-balance?merchantId={theirs}&period=2025-01' },
    expect: NOT_FOUND,
  },
  {
    name: 'another merchant’s periods (query)',
    who: { sub: '{viewer}' },
    request: { method: 'GET', path: '/periods?merchantId={theirs}' },
    expect: NOT_FOUND,
  },
  {
    name: 'closing another merchant’s period (body), by an admin of mine',
    who: { sub: '{admin}' },
    request: { method: 'POST', path: '/periods/close', body: { merchantId: '{theirs}', period: '2025-01' } },
    expect: NOT_FOUND,
  },
  {
    name: 'reopening a period of a merchant that does not exist',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/periods/reopen',
      body: { merchantId: '{ghost}', period: '2025-01', reason: 'probe' },
    },
    expect: NOT_FOUND,
  },
  {
    name: 'an accountant closing a period of their own merchant',
    who: { sub: '{accountant}' },
    request: { method: 'POST', path: '/periods/close', body: { merchantId: '{mine}', period: '2025-01' } },
    expect: { status: 403, code: 'FORBIDDEN' },
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
    expect: COUNT_ZERO,
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
    request: { method: 'POST', path: '/vouchers/{theirs.voucher}/void', body: { reason: 'not mine' } },
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
];
