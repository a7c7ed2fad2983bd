import { type Producer } from 'kafkajs';
import { listAccounts } from '../db/accounts.js';
import { type Db } from '../db/executor.js';
import { EVERY_MERCHANT } from '../db/tenancy.js';

/**
 * A small, realistic stream for a newcomer to look at: three merchants, sales
 * with cost, payments into CASH and BANK, a refund, a payment without a
 * finance source (skipped by design), goods received, a loss and a gain of
 * stock, and one merchant whose CDC record arrives after its first sale.
 */
export interface DemoTopics {
  sale: string;
  inventory: string;
  merchantCdc: string;
}

export const DEMO_MERCHANTS = [
  { id: '1001', name: 'Acme Coffee Roasters', currency: 'USD' },
  { id: '1002', name: 'Bluebird Books', currency: 'USD' },
  { id: '1003', name: 'Cedar & Pine Furniture', currency: 'EUR' },
] as const;

export async function produceDemoEvents(
  producer: Producer,
  db: Db,
  topics: DemoTopics,
  say: (line: string) => void,
): Promise<void> {
  const run = Date.now().toString(36);
  const at = new Date().toISOString();
  const cdc = (m: (typeof DEMO_MERCHANTS)[number], lsn: number) => ({
    key: m.id,
    value: JSON.stringify({
      before: null,
      after: { id: m.id, name: m.name, currency: m.currency, status: 'ACTIVE' },
      source: { lsn, table: 'Merchant' },
      op: 'c',
      ts_ms: Date.now(),
    }),
  });
  let n = 0;
  const event = (merchantId: string, type: string, data: Record<string, unknown>) => ({
    key: merchantId,
    value: JSON.stringify({ id: `evt-demo-${run}-${(n += 1)}`, type, merchantId, occurredAt: at, data }),
  });
  const sale = (merchantId: string, order: string, currency: string, total: string, costTotal: string) =>
    event(merchantId, 'sale.order.completed', {
      orderId: `${run}-${order}`,
      orderNumber: order,
      currency,
      total,
      costTotal,
    });
  /** A payment into `account` (none: a payment without a finance source, skipped by design). */
  const payment = (
    merchantId: string,
    id: string,
    order: string,
    amount: string,
    method: string,
    account?: string,
  ) =>
    event(merchantId, 'sale.payment.captured', {
      paymentId: `${run}-${id}`,
      orderId: `${run}-${order}`,
      amount,
      currency: 'USD',
      method,
      ...(account ? { attempt: { finance: { source: { id: account } } } } : {}),
    });

  const [acme, bluebird, cedar] = DEMO_MERCHANTS;
  // Cedar's first sale arrives before Cedar exists: it waits, then posts when the CDC record lands.
  await producer.send({
    topic: topics.sale,
    messages: [sale(cedar.id, 'CP-1001', 'EUR', '1890.00', '1020.00')],
  });
  say(`  sale for ${cedar.name} sent before its merchant record (it waits for it)`);
  await producer.send({
    topic: topics.merchantCdc,
    messages: [cdc(acme, 100 + Date.now()), cdc(bluebird, 200 + Date.now())],
  });
  const accounts = await waitForAccounts(db, [acme.id, bluebird.id]);
  const cash = (m: string) => accounts[m]!.CASH!;
  const bank = (m: string) => accounts[m]!.BANK!;

  const sales = [acme.id, bluebird.id].flatMap((m) => [
    sale(m, `SO-${m}-1`, 'USD', '120.00', '45.50'),
    sale(m, `SO-${m}-2`, 'USD', '89.90', '30.00'),
    payment(m, `${m}-p1`, `SO-${m}-1`, '120.00', 'card', bank(m)),
    payment(m, `${m}-p2`, `SO-${m}-2`, '89.90', 'cash', cash(m)),
  ]);
  sales.push(
    event(acme.id, 'sale.payment.refunded', {
      refundId: `${run}-r1`,
      paymentId: `${run}-${acme.id}-p2`,
      orderId: `${run}-SO-${acme.id}-2`,
      amount: '19.90',
      currency: 'USD',
      attempt: { finance: { source: { id: cash(acme.id) } } },
    }),
    payment(bluebird.id, 'nosource', 'x', '15.00', 'voucher'),
  );
  await producer.send({ topic: topics.sale, messages: sales });
  await producer.send({
    topic: topics.inventory,
    messages: [
      event(acme.id, 'inventory.received', { receiptId: `${run}-g1`, currency: 'USD', total: '800.00' }),
      event(bluebird.id, 'inventory.received', { receiptId: `${run}-g2`, currency: 'USD', total: '1250.00' }),
      event(acme.id, 'inventory.adjusted', {
        adjustmentId: `${run}-a1`,
        currency: 'USD',
        valueDelta: '-12.40',
        reason: 'damaged bags',
      }),
      event(bluebird.id, 'inventory.adjusted', {
        adjustmentId: `${run}-a2`,
        currency: 'USD',
        valueDelta: '7.00',
        reason: 'found in back room',
      }),
    ],
  });
  say(
    `  ${sales.length + 4} events for ${acme.name} and ${bluebird.name} (one payment has no finance source: skipped by design)`,
  );
  await new Promise((r) => setTimeout(r, 5_000));
  await producer.send({ topic: topics.merchantCdc, messages: [cdc(cedar, 300 + Date.now())] });
  say(`  merchant record for ${cedar.name} sent 5 s late; its waiting sale posts next`);
}

async function waitForAccounts(
  db: Db,
  merchantIds: string[],
): Promise<Record<string, Record<string, string>>> {
  for (let i = 0; i < 240; i += 1) {
    const out: Record<string, Record<string, string>> = {};
    for (const merchantId of merchantIds) {
      for (const a of await listAccounts(db, EVERY_MERCHANT, { merchantId }, null, 100))
        if (a.code === 'CASH' || a.code === 'BANK') (out[merchantId] ??= {})[a.code] = a.id;
    }
    if (Object.values(out).filter((codes) => Object.keys(codes).length === 2).length === merchantIds.length)
      return out;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(
    'demo merchants were not provisioned within 2 minutes: is the worker running? (see the log above)',
  );
}
