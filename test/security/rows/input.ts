/**
 * Nothing is accepted that cannot be stored: text longer than its column, control
 * characters, amounts beyond 12 integer and 4 fraction digits are refused with a
 * 400 before any workflow starts; the longest and largest values that fit post.
 */
import type { Attack } from '../attack-table.js';
import { correction, credit, debit, postVoucher, VALIDATION_FAILED } from './common.js';

export const INPUT: Attack[] = [
  {
    name: 'a void reason longer than the description column can hold',
    who: { sub: '{accountant}' },
    request: { method: 'POST', path: '/vouchers/{mine.voucher}/void', body: { reason: '{text:500}' } },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'the longest void reason that fits',
    who: { sub: '{accountant}' },
    request: { method: 'POST', path: '/vouchers/{mine.voucher}/void', body: { reason: '{text:454}' } },
    expect: { status: 201 },
    needsWorker: true,
  },
  {
    name: 'a void reason with a NUL',
    who: { sub: '{accountant}' },
    request: { method: 'POST', path: '/vouchers/{mine.voucher}/void', body: { reason: 'typo\u0000' } },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'a void reason with a line break',
    who: { sub: '{accountant}' },
    request: { method: 'POST', path: '/vouchers/{mine.voucher}/void', body: { reason: 'two\nlines' } },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'a void reason with a right-to-left override',
    who: { sub: '{accountant}' },
    request: { method: 'POST', path: '/vouchers/{mine.voucher}/void', body: { reason: 'refund \u202Eevil' } },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'a memo with a NUL',
    who: { sub: '{accountant}' },
    request: postVoucher(
      correction([debit('{mine.CASH}', '1.00', 'a\u0000b'), credit('{mine.OWNER_EQUITY}')]),
    ),
    expect: VALIDATION_FAILED,
  },
  {
    name: 'a memo with an escape sequence',
    who: { sub: '{accountant}' },
    request: postVoucher(
      correction([debit('{mine.CASH}', '1.00', '\u001b[2J'), credit('{mine.OWNER_EQUITY}')]),
    ),
    expect: VALIDATION_FAILED,
  },
  {
    name: 'a memo one character longer than its column',
    who: { sub: '{accountant}' },
    request: postVoucher(
      correction([debit('{mine.CASH}', '1.00', '{text:501}'), credit('{mine.OWNER_EQUITY}')]),
    ),
    expect: VALIDATION_FAILED,
  },
  {
    name: 'the longest memo and description that fit, in any script',
    who: { sub: '{accountant}' },
    request: postVoucher(
      correction(
        [debit('{mine.CASH}', '1.00', '{text:500}'), credit('{mine.OWNER_EQUITY}', '1.00', 'Ünïcödé ✓ 日本')],
        {
          description: '{text:500}',
        },
      ),
    ),
    expect: { status: 201 },
    needsWorker: true,
  },
  {
    name: 'a description with a C1 control character',
    who: { sub: '{accountant}' },
    request: postVoucher(
      correction([debit('{mine.CASH}'), credit('{mine.OWNER_EQUITY}')], { description: 'fix \u009b31m' }),
    ),
    expect: VALIDATION_FAILED,
  },
  {
    name: 'a description with a line separator',
    who: { sub: '{accountant}' },
    request: postVoucher(
      correction([debit('{mine.CASH}'), credit('{mine.OWNER_EQUITY}')], {
        description: 'fix\u2028forged line',
      }),
    ),
    expect: VALIDATION_FAILED,
  },
  {
    name: '20-digit amounts',
    who: { sub: '{accountant}' },
    request: postVoucher(
      correction([debit('{mine.CASH}', '{digits:20}'), credit('{mine.OWNER_EQUITY}', '{digits:20}')]),
    ),
    expect: VALIDATION_FAILED,
  },
  {
    name: '13-digit amounts',
    who: { sub: '{accountant}' },
    request: postVoucher(
      correction([debit('{mine.CASH}', '{digits:13}.00'), credit('{mine.OWNER_EQUITY}', '{digits:13}.00')]),
    ),
    expect: VALIDATION_FAILED,
  },
  {
    name: 'the largest amount: 12 integer and 4 fraction digits',
    who: { sub: '{accountant}' },
    request: postVoucher(
      correction([
        debit('{mine.BANK}', '999999999999.9999'),
        credit('{mine.OWNER_EQUITY}', '999999999999.9999'),
      ]),
    ),
    expect: { status: 201 },
    needsWorker: true,
  },
  {
    name: 'two largest amounts on one account in one voucher',
    who: { sub: '{accountant}' },
    request: postVoucher({
      merchantId: '{mine}',
      type: 'TRANSFER',
      lines: [
        debit('{mine.BANK}', '999999999999.9999'),
        debit('{mine.BANK}', '999999999999.9999'),
        credit('{mine.CASH}', '999999999999.9999'),
        credit('{mine.CASH}', '999999999999.9999'),
      ],
    }),
    expect: { status: 201 },
    needsWorker: true,
  },
  {
    name: 'a cash count of 13 digits',
    who: { sub: '{accountant}' },
    request: postVoucher({
      merchantId: '{mine}',
      type: 'ADJUSTMENT',
      reason: 'cash_count',
      accountId: '{mine.CASH}',
      countedBalance: '{digits:13}',
    }),
    expect: VALIDATION_FAILED,
  },
  {
    name: 'an account name with a NUL',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/accounts',
      body: { merchantId: '{mine}', code: 'NUL_NAME', name: 'a\u0000', type: 'ASSET' },
    },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'an account name with a tab',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/accounts',
      body: { merchantId: '{mine}', code: 'TAB_NAME', name: 'a\tb', type: 'ASSET' },
    },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'an account name longer than its column',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/accounts',
      body: { merchantId: '{mine}', code: 'LONG_NAME', name: '{text:201}', type: 'ASSET' },
    },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'a rename to a name with DEL',
    who: { sub: '{admin}' },
    request: { method: 'PATCH', path: '/accounts/{mine.BANK}', body: { name: 'Bank\u007f' } },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'a payment integration name with a bidi isolate',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/payment-integrations',
      body: {
        merchantId: '{mine}',
        provider: 'stripe',
        name: 'main\u2066',
        credential: 'sk_test_0123456789',
      },
    },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'a credential ending in a NUL (its last four are stored in clear for the mask)',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/payment-integrations',
      body: { merchantId: '{mine}', provider: 'stripe', name: 'main', credential: 'sk_test_012345\u0000' },
    },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'integration settings with a NUL (jsonb cannot hold one)',
    who: { sub: '{admin}' },
    request: {
      method: 'POST',
      path: '/payment-integrations',
      body: {
        merchantId: '{mine}',
        provider: 'stripe',
        name: 'main',
        credential: 'sk_test_0123456789',
        settings: { nested: { note: 'a\u0000b' } },
      },
    },
    expect: VALIDATION_FAILED,
  },
  {
    name: 'a source filter with a NUL',
    who: { sub: '{accountant}' },
    request: { method: 'GET', path: '/vouchers?sourceId=a%00b' },
    expect: VALIDATION_FAILED,
  },
];
