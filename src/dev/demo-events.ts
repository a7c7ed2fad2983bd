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
  const event = (merchantId: string, type: string, data: Record<string, unknown>, n: number) => ({
    key: merchantId,
    value: JSON.stringify({ id: `evt-demo-${run}-${n}`, type, merchantId, occurredAt: at, data }),
  });

  const [acme, bluebird, cedar] = DEMO_MERCHANTS;
  // Cedar's first sale arrives before Cedar exists: it waits, then posts when the CDC record lands.
  await producer.send({
    topic: topics.sale,
    messages: [
      event(
        cedar.id,
        'sale.order.completed',
        {
          orderId: `${run}-c1`,
          orderNumber: 'CP-1001',
          currency: 'EUR',
          total: '1890.00',
          costTotal: '1020.00',
        },
        1,
      ),
    ],
  });
  say(`  sale for ${cedar.name} sent before its merchant record (it waits for it)`);
  await producer.send({
    topic: topics.merchantCdc,
    messages: [cdc(acme, 100 + Date.now()), cdc(bluebird, 200 + Date.now())],
  });
  const accounts = await waitForAccounts(db, [acme.id, bluebird.id]);
  const cash = (m: string) => accounts[m]!.CASH!;
  const bank = (m: string) => accounts[m]!.BANK!;

  let n = 10;
  const sales = [acme.id, bluebird.id].flatMap((m) => [
    event(
      m,
      'sale.order.completed',
      {
        orderId: `${run}-${m}-1`,
        orderNumber: `SO-${m}-1`,
        currency: 'USD',
        total: '120.00',
        costTotal: '45.50',
      },
      n++,
    ),
    event(
      m,
      'sale.order.completed',
      {
        orderId: `${run}-${m}-2`,
        orderNumber: `SO-${m}-2`,
        currency: 'USD',
        total: '89.90',
        costTotal: '30.00',
      },
      n++,
    ),
    event(
      m,
      'sale.payment.captured',
      {
        paymentId: `${run}-${m}-p1`,
        orderId: `${run}-${m}-1`,
        amount: '120.00',
        currency: 'USD',
        method: 'card',
        attempt: { finance: { source: { id: bank(m) } } },
      },
      n++,
    ),
    event(
      m,
      'sale.payment.captured',
      {
        paymentId: `${run}-${m}-p2`,
        orderId: `${run}-${m}-2`,
        amount: '89.90',
        currency: 'USD',
        method: 'cash',
        attempt: { finance: { source: { id: cash(m) } } },
      },
      n++,
    ),
  ]);
  sales.push(
    event(
      acme.id,
      'sale.payment.refunded',
      {
        refundId: `${run}-r1`,
        paymentId: `${run}-${acme.id}-p2`,
        orderId: `${run}-${acme.id}-2`,
        amount: '19.90',
        currency: 'USD',
        attempt: { finance: { source: { id: cash(acme.id) } } },
      },
      n++,
    ),
    event(
      bluebird.id,
      'sale.payment.captured',
      {
        paymentId: `${run}-nosource`,
        orderId: `${run}-x`,
        amount: '15.00',
        currency: 'USD',
        method: 'voucher',
      },
      n++,
    ),
  );
  await producer.send({ topic: topics.sale, messages: sales });
  await producer.send({
    topic: topics.inventory,
    messages: [
      event(acme.id, 'inventory.received', { receiptId: `${run}-g1`, currency: 'USD', total: '800.00' }, n++),
      event(
        bluebird.id,
        'inventory.received',
        { receiptId: `${run}-g2`, currency: 'USD', total: '1250.00' },
        n++,
      ),
      event(
        acme.id,
        'inventory.adjusted',
        { adjustmentId: `${run}-a1`, currency: 'USD', valueDelta: '-12.40', reason: 'damaged bags' },
        n++,
      ),
      event(
        bluebird.id,
        'inventory.adjusted',
        { adjustmentId: `${run}-a2`, currency: 'USD', valueDelta: '7.00', reason: 'found in back room' },
        n++,
      ),
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
