/**
 * What a careless client and a curious tenant send, and what they must get back
 * (docs/reference/http-api.md): plain data, run by input-and-oracle.test.ts against the real
 * stack. Strings may name fixtures in braces, replaced before the request is sent
 * and in the expected answer:
 *
 *   {M} {F} {GHOST}        my merchant, a foreign merchant, a merchant that does not exist
 *   {M.CASH} {F.BANK} …    accounts by code; {MISSING}: an account id that does not exist
 *   {M.voucher} {F.voucher} a fresh SALE voucher of that merchant (one per row); {NO_VOUCHER}
 *   {F.integration}        a payment integration of F; {NO_INTEGRATION}
 *   {key}                  a fresh Idempotency-Key
 *   {text:N} {digits:N}    N characters of text / N digits
 *
 * Who: `accountant` and `admin` hold that role on M only; `admin-of-both` is
 * admin on M and on F (so "another merchant's account" is not just a tenancy
 * question). Rows that share an `oracle` name must get the same answer once
 * their own `target` is masked: a foreign entity and a missing one are
 * indistinguishable.
 */
export interface SecurityRow {
  name: string;
  who: 'accountant' | 'admin' | 'admin-of-both';
  request: {
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
    path: string;
    body?: unknown;
    headers?: Record<string, string>;
  };
  expect: { status: number; code?: string; message?: string; body?: unknown };
  /** Rows with the same value must answer identically once their `target` is masked. */
  oracle?: string;
  /** The foreign or missing entity the row names; `{target}` in the expected answer stands for it. */
  target?: string;
}

const correction = (lines: unknown[], extra: Record<string, unknown> = {}) => ({
  merchantId: '{M}',
  type: 'ADJUSTMENT',
  reason: 'correction',
  lines,
  ...extra,
});
const debit = (accountId: string, amount = '1.00', memo?: string) => ({
  accountId,
  direction: 'DEBIT',
  amount,
  ...(memo !== undefined ? { memo } : {}),
});
const credit = (accountId: string, amount = '1.00', memo?: string) => ({
  accountId,
  direction: 'CREDIT',
  amount,
  ...(memo !== undefined ? { memo } : {}),
});
const post = (body: unknown) => ({
  method: 'POST' as const,
  path: '/vouchers',
  body,
  headers: { 'idempotency-key': '{key}' },
});
const badRequest = { status: 400, code: 'VALIDATION_FAILED' };
const accountNotFound = (what: string) => ({
  status: 422,
  code: 'ACCOUNT_NOT_FOUND',
  message: `${what} failed (ACCOUNT_NOT_FOUND): finance account {target} does not exist for merchant {M}. Nothing was posted.`,
});
const notFound = (what: string) => ({ status: 404, code: 'NOT_FOUND', message: `${what} not found` });

/** Nothing accepted that cannot be stored: over-long text, control characters, amounts beyond the bound. */
export const INPUT_ROWS: SecurityRow[] = [
  {
    name: 'a void reason longer than the description column can hold',
    who: 'accountant',
    request: { method: 'POST', path: '/vouchers/{M.voucher}/void', body: { reason: '{text:500}' } },
    expect: badRequest,
  },
  {
    name: 'the longest void reason that fits',
    who: 'accountant',
    request: { method: 'POST', path: '/vouchers/{M.voucher}/void', body: { reason: '{text:454}' } },
    expect: { status: 201 },
  },
  {
    name: 'a void reason with a NUL',
    who: 'accountant',
    request: { method: 'POST', path: '/vouchers/{M.voucher}/void', body: { reason: 'typo\u0000' } },
    expect: badRequest,
  },
  {
    name: 'a void reason with a line break',
    who: 'accountant',
    request: { method: 'POST', path: '/vouchers/{M.voucher}/void', body: { reason: 'two\nlines' } },
    expect: badRequest,
  },
  {
    name: 'a void reason with a right-to-left override',
    who: 'accountant',
    request: { method: 'POST', path: '/vouchers/{M.voucher}/void', body: { reason: 'refund \u202Eevil' } },
    expect: badRequest,
  },
  {
    name: 'a memo with a NUL',
    who: 'accountant',
    request: post(correction([debit('{M.CASH}', '1.00', 'a\u0000b'), credit('{M.OWNER_EQUITY}')])),
    expect: badRequest,
  },
  {
    name: 'a memo with an escape sequence',
    who: 'accountant',
    request: post(correction([debit('{M.CASH}', '1.00', '\u001b[2J'), credit('{M.OWNER_EQUITY}')])),
    expect: badRequest,
  },
  {
    name: 'a memo one character longer than its column',
    who: 'accountant',
    request: post(correction([debit('{M.CASH}', '1.00', '{text:501}'), credit('{M.OWNER_EQUITY}')])),
    expect: badRequest,
  },
  {
    name: 'the longest memo and description that fit, in any script',
    who: 'accountant',
    request: post(
      correction(
        [debit('{M.CASH}', '1.00', '{text:500}'), credit('{M.OWNER_EQUITY}', '1.00', 'Ünïcödé ✓ 日本')],
        {
          description: '{text:500}',
        },
      ),
    ),
    expect: { status: 201 },
  },
  {
    name: 'a description with a C1 control character',
    who: 'accountant',
    request: post(
      correction([debit('{M.CASH}'), credit('{M.OWNER_EQUITY}')], { description: 'fix \u009b31m' }),
    ),
    expect: badRequest,
  },
  {
    name: 'a description with a line separator',
    who: 'accountant',
    request: post(
      correction([debit('{M.CASH}'), credit('{M.OWNER_EQUITY}')], { description: 'fix\u2028forged line' }),
    ),
    expect: badRequest,
  },
  {
    name: '20-digit amounts',
    who: 'accountant',
    request: post(correction([debit('{M.CASH}', '{digits:20}'), credit('{M.OWNER_EQUITY}', '{digits:20}')])),
    expect: badRequest,
  },
  {
    name: '13-digit amounts',
    who: 'accountant',
    request: post(
      correction([debit('{M.CASH}', '{digits:13}.00'), credit('{M.OWNER_EQUITY}', '{digits:13}.00')]),
    ),
    expect: badRequest,
  },
  {
    name: 'the largest amount: 12 integer and 4 fraction digits',
    who: 'accountant',
    request: post(
      correction([debit('{M.BANK}', '999999999999.9999'), credit('{M.OWNER_EQUITY}', '999999999999.9999')]),
    ),
    expect: { status: 201 },
  },
  {
    name: 'two largest amounts on one account in one voucher',
    who: 'accountant',
    request: post({
      merchantId: '{M}',
      type: 'TRANSFER',
      lines: [
        debit('{M.BANK}', '999999999999.9999'),
        debit('{M.BANK}', '999999999999.9999'),
        credit('{M.CASH}', '999999999999.9999'),
        credit('{M.CASH}', '999999999999.9999'),
      ],
    }),
    expect: { status: 201 },
  },
  {
    name: 'a cash count of 13 digits',
    who: 'accountant',
    request: post({
      merchantId: '{M}',
      type: 'ADJUSTMENT',
      reason: 'cash_count',
      accountId: '{M.CASH}',
      countedBalance: '{digits:13}',
    }),
    expect: badRequest,
  },
  {
    name: 'an account name with a NUL',
    who: 'admin',
    request: {
      method: 'POST',
      path: '/accounts',
      body: { merchantId: '{M}', code: 'NUL_NAME', name: 'a\u0000', type: 'ASSET' },
    },
    expect: badRequest,
  },
  {
    name: 'an account name with a tab',
    who: 'admin',
    request: {
      method: 'POST',
      path: '/accounts',
      body: { merchantId: '{M}', code: 'TAB_NAME', name: 'a\tb', type: 'ASSET' },
    },
    expect: badRequest,
  },
  {
    name: 'an account name longer than its column',
    who: 'admin',
    request: {
      method: 'POST',
      path: '/accounts',
      body: { merchantId: '{M}', code: 'LONG_NAME', name: '{text:201}', type: 'ASSET' },
    },
    expect: badRequest,
  },
  {
    name: 'a rename to a name with DEL',
    who: 'admin',
    request: { method: 'PATCH', path: '/accounts/{M.BANK}', body: { name: 'Bank\u007f' } },
    expect: badRequest,
  },
  {
    name: 'a payment integration name with a bidi isolate',
    who: 'admin',
    request: {
      method: 'POST',
      path: '/payment-integrations',
      body: { merchantId: '{M}', provider: 'stripe', name: 'main\u2066', credential: 'sk_test_0123456789' },
    },
    expect: badRequest,
  },
  {
    name: 'a credential ending in a NUL (its last four are stored in clear for the mask)',
    who: 'admin',
    request: {
      method: 'POST',
      path: '/payment-integrations',
      body: { merchantId: '{M}', provider: 'stripe', name: 'main', credential: 'sk_test_012345\u0000' },
    },
    expect: badRequest,
  },
  {
    name: 'integration settings with a NUL (jsonb cannot hold one)',
    who: 'admin',
    request: {
      method: 'POST',
      path: '/payment-integrations',
      body: {
        merchantId: '{M}',
        provider: 'stripe',
        name: 'main',
        credential: 'sk_test_0123456789',
        settings: { nested: { note: 'a\u0000b' } },
      },
    },
    expect: badRequest,
  },
  {
    name: 'a source filter with a NUL',
    who: 'accountant',
    request: { method: 'GET', path: '/vouchers?sourceId=a%00b' },
    expect: badRequest,
  },
];

/** No existence oracle: another merchant's entity answers exactly like one that does not exist. */
export const ORACLE_ROWS: SecurityRow[] = [
  ...(['{F.OWNER_EQUITY}', '{MISSING}'] as const).flatMap((target): SecurityRow[] => [
    {
      name: `a correction line on ${target}`,
      who: 'accountant',
      request: post(correction([debit('{M.CASH}'), credit(target)])),
      expect: accountNotFound('manual ADJUSTMENT voucher'),
      oracle: 'manual voucher line',
      target,
    },
    {
      name: `a correction line on ${target}, by an admin of both merchants`,
      who: 'admin-of-both',
      request: post(correction([debit('{M.CASH}'), credit(target)])),
      expect: accountNotFound('manual ADJUSTMENT voucher'),
      oracle: 'manual voucher line',
      target,
    },
    {
      name: `a transfer from ${target}`,
      who: 'accountant',
      request: post({ merchantId: '{M}', type: 'TRANSFER', lines: [debit('{M.BANK}'), credit(target)] }),
      expect: accountNotFound('manual TRANSFER voucher'),
      oracle: 'transfer line',
      target,
    },
    {
      name: `an expense paid from ${target}`,
      who: 'accountant',
      request: post({ merchantId: '{M}', type: 'EXPENSE', lines: [debit(target), credit('{M.CASH}')] }),
      expect: accountNotFound('manual EXPENSE voucher'),
      oracle: 'expense line',
      target,
    },
  ]),
  ...(['{F.CASH}', '{MISSING}'] as const).map((target): SecurityRow => ({
    name: `a cash count of ${target}`,
    who: 'accountant',
    request: post({
      merchantId: '{M}',
      type: 'ADJUSTMENT',
      reason: 'cash_count',
      accountId: target,
      countedBalance: '5.00',
    }),
    expect: accountNotFound('manual ADJUSTMENT voucher'),
    oracle: 'cash count',
    target,
  })),
  ...(['{F.BANK}', '{MISSING}'] as const).flatMap((target): SecurityRow[] => [
    {
      name: `GET /accounts/${target}`,
      who: 'admin',
      request: { method: 'GET', path: `/accounts/${target}` },
      expect: notFound('account'),
      oracle: 'account by id',
      target,
    },
    {
      name: `date-ranged lines of ${target}`,
      who: 'admin',
      request: {
        method: 'GET',
        path: `/accounts/${target}/transactions?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z`,
      },
      expect: notFound('account'),
      oracle: 'account lines',
      target,
    },
    {
      name: `the balance of ${target} at a moment`,
      who: 'admin',
      request: { method: 'GET', path: `/accounts/${target}/balance?at=2026-06-01T00:00:00Z` },
      expect: notFound('account'),
      oracle: 'account balance',
      target,
    },
    {
      name: `renaming ${target}`,
      who: 'admin',
      request: { method: 'PATCH', path: `/accounts/${target}`, body: { name: 'mine now' } },
      expect: notFound('account'),
      oracle: 'account rename',
      target,
    },
    {
      name: `deleting ${target}`,
      who: 'admin',
      request: { method: 'DELETE', path: `/accounts/${target}` },
      expect: notFound('account'),
      oracle: 'account delete',
      target,
    },
  ]),
  ...(['{F}', '{GHOST}'] as const).flatMap((target): SecurityRow[] => [
    {
      name: `accounts filtered on merchant ${target}`,
      who: 'admin',
      request: { method: 'GET', path: `/accounts?merchantId=${target}` },
      expect: { status: 200, body: { items: [], nextCursor: null } },
      oracle: 'account list',
      target,
    },
    {
      name: `account count of merchant ${target}`,
      who: 'admin',
      request: { method: 'GET', path: `/accounts/count?merchantId=${target}` },
      expect: { status: 200, body: { count: 0 } },
      oracle: 'account count',
      target,
    },
    {
      name: `vouchers filtered on merchant ${target}`,
      who: 'accountant',
      request: { method: 'GET', path: `/vouchers?merchantId=${target}` },
      expect: { status: 200, body: { items: [], nextCursor: null } },
      oracle: 'voucher list',
      target,
    },
    {
      name: `the trial balance of merchant ${target}`,
      who: 'accountant',
      request: { method: 'GET', path: `/reports/trial-balance?merchantId=${target}` },
      expect: notFound('merchant'),
      oracle: 'trial balance',
      target,
    },
    {
      name: `a manual voucher for merchant ${target}`,
      who: 'accountant',
      request: post(correction([debit('{M.CASH}'), credit('{M.OWNER_EQUITY}')], { merchantId: target })),
      expect: notFound('merchant'),
      oracle: 'manual voucher merchant',
      target,
    },
    {
      name: `an account for merchant ${target}`,
      who: 'admin',
      request: {
        method: 'POST',
        path: '/accounts',
        body: { merchantId: target, code: 'X', name: 'x', type: 'ASSET' },
      },
      expect: notFound('merchant'),
      oracle: 'account create',
      target,
    },
    {
      name: `a payment integration for merchant ${target}`,
      who: 'admin',
      request: {
        method: 'POST',
        path: '/payment-integrations',
        body: { merchantId: target, provider: 'stripe', name: 'x', credential: 'sk_test_0123456789' },
      },
      expect: notFound('merchant'),
      oracle: 'integration create',
      target,
    },
  ]),
  ...(['{F.voucher}', '{NO_VOUCHER}'] as const).flatMap((target): SecurityRow[] => [
    {
      name: `GET /vouchers/${target}`,
      who: 'accountant',
      request: { method: 'GET', path: `/vouchers/${target}` },
      expect: notFound('voucher'),
      oracle: 'voucher by id',
      target,
    },
    {
      name: `voiding ${target}`,
      who: 'accountant',
      request: { method: 'POST', path: `/vouchers/${target}/void`, body: { reason: 'not mine' } },
      expect: notFound('voucher'),
      oracle: 'voucher void',
      target,
    },
  ]),
  ...(['{F.integration}', '{NO_INTEGRATION}'] as const).map((target): SecurityRow => ({
    name: `GET /payment-integrations/${target}`,
    who: 'admin',
    request: { method: 'GET', path: `/payment-integrations/${target}` },
    expect: notFound('payment integration'),
    oracle: 'integration by id',
    target,
  })),
];
