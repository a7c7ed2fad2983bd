import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postPlan } from '../../src/activities/posting.js';
import { API_ERRORS } from '../../src/api/errors.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { LEDGER_ERRORS } from '../../src/domain/errors.js';
import { capturingLogger } from '../support/logs.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { uniqueMerchantId, uniqueName } from '../support/env.js';
import { type JsonSchema, outside, type StringHint, within } from '../support/schema-arbitrary.js';
import { API, createTestApi, startApiTestWorker, user, type TestApi } from '../api/support.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/**
 * Every write route, fed request bodies generated from the OpenAPI document
 * the built app publishes: bodies the schema accepts, and bodies broken at
 * one place. Every answer must be a 2xx or a 4xx with a code of the closed
 * set (a broken body: a 4xx), and every 202 must end — a voucher, or a
 * failure with a ledger code — within the workflow's bound: no 5xx, no
 * request left retrying.
 *
 * Seeded and repeatable: SF_PROPERTY_SEED replays a run (the seed is printed),
 * SF_PROPERTY_RUNS sets the requests per route and kind (default 25, a few
 * tens of seconds; raise it for a longer run).
 */
const SEED = Number(process.env.SF_PROPERTY_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.SF_PROPERTY_RUNS ?? 25);
/** How long a 202's workflow may take to end here; INTERACTIVE_ACTIVITY's own bound is 10 minutes. */
const SETTLE_MS = Number(process.env.SF_PROPERTY_SETTLE_MS ?? 60_000);

interface Operation {
  method: string;
  path: string;
  body?: JsonSchema;
  header?: { name: string; schema: JsonSchema };
}

/** Vouchers first: the account routes may archive or delete the accounts they post to. */
const WRITE_ROUTES = [
  'POST /vouchers',
  'POST /vouchers/{id}/void',
  'POST /periods/close',
  'POST /periods/reopen',
  'POST /accounts',
  'PATCH /accounts/{id}',
  'DELETE /accounts/{id}',
  'POST /payment-integrations',
  'PATCH /payment-integrations/{id}',
  'DELETE /payment-integrations/{id}',
  'POST /admin/grants',
  'DELETE /admin/grants',
];

describe(`write routes answer 2xx or 4xx for bodies within and just outside the OpenAPI schemas (seed ${SEED})`, () => {
  const { logger } = capturingLogger('error');
  let prisma: PrismaClient;
  let api: TestApi;
  let worker: { taskQueue: string; stop(): Promise<void> };
  let m: { merchantId: string; accounts: Record<string, string> };
  let f: { merchantId: string; accounts: Record<string, string> };
  let operations: Map<string, Operation>;
  const admin = user('prop-admin');
  const ids: string[] = [];
  const vouchers: string[] = [];
  const integrations: string[] = [];
  /** Workflows the requests may have started: each must have ended by the last test. */
  const workflows = new Set<string>();
  /** Answers by route and status, printed at the end: what the generated requests reached. */
  const answers = new Map<string, number>();
  const validators = new Map<JsonSchema, ValidateFunction>();
  const ajv = addFormats(new Ajv({ strict: false, allErrors: false }));

  beforeAll(async () => {
    console.log(`openapi property test: SF_PROPERTY_SEED=${SEED} SF_PROPERTY_RUNS=${RUNS}`);
    prisma = await testPrisma();
    [m, f] = await Promise.all([createTestMerchant(prisma, logger), createTestMerchant(prisma, logger)]);
    worker = await startApiTestWorker(prisma, logger);
    // A short wait, so some writes answer 202 and the test follows their workflows to the end. The
    // generator, the worker and the app share this process's event loop on a shared machine: load
    // shedding on loop lag would answer 503 for reasons of the test bench, not of the requests.
    api = await createTestApi({
      logger,
      taskQueue: worker.taskQueue,
      waitMs: 250,
      overrides: { load: { maxEventLoopDelayMs: 60_000 } },
    });
    await api.grant(admin, 'admin', m.merchantId);
    for (let i = 0; i < 4; i += 1) vouchers.push(await sale(m.merchantId));
    const integration = await api.call(admin, 'POST', '/payment-integrations', {
      merchantId: m.merchantId,
      provider: 'stripe',
      name: 'main',
      credential: 'sk_test_0123456789',
    });
    integrations.push((integration.json() as { id: string }).id);
    ids.push(
      m.merchantId,
      f.merchantId,
      uniqueMerchantId(),
      testIds.nextString(),
      ...Object.values(m.accounts),
      ...Object.values(f.accounts).slice(0, 3),
      ...vouchers,
      await sale(f.merchantId),
      ...integrations,
    );
    const doc = (await api.app.inject({ method: 'GET', url: `${API}/doc/openapi.json` })).json() as {
      paths: Record<string, Record<string, OpenApiOperation>>;
    };
    operations = writeOperations(doc.paths);
  });

  afterAll(async () => {
    await api?.close();
    await worker?.stop();
    await prisma?.$disconnect();
  });

  const sale = async (merchantId: string) =>
    (
      await postPlan(
        { db: dbOf(prisma), ids: testIds, logger },
        {
          merchantId,
          voucherType: 'SALE',
          sourceType: 'sale.order',
          sourceId: uniqueName('o'),
          postedAt: new Date().toISOString(),
          description: 'sale',
          createdBy: 'system',
          lines: [
            { account: { code: 'RECEIVABLE' }, direction: 'DEBIT', amount: '10' },
            { account: { code: 'SALES_REVENUE' }, direction: 'CREDIT', amount: '10' },
          ],
        },
      )
    ).voucherId;

  const validator = (schema: JsonSchema) => {
    let v = validators.get(schema);
    if (!v) validators.set(schema, (v = ajv.compile(schema)));
    return v;
  };

  /** Ids and amounts drawn from what exists, so bodies reach past "not found" and "unbalanced". */
  const hint: StringHint = (schema, path) => {
    if (path.at(-1) === 'merchantId')
      return fc.oneof(
        { weight: 3, arbitrary: fc.constant(m.merchantId) },
        { weight: 1, arbitrary: fc.constantFrom(...ids) },
      );
    if (schema.pattern === '^[1-9][0-9]{0,18}$')
      return fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...ids) },
        { weight: 1, arbitrary: fc.stringMatching(/^[1-9][0-9]{0,18}$/) },
      );
    if (path.at(-1) === 'amount' || path.at(-1) === 'countedBalance')
      return fc.oneof(
        fc.constantFrom('1', '0.0001', '999999999999.9999', '125000.50', '0'),
        fc.stringMatching(new RegExp(schema.pattern!, 'u')),
      );
    if (path.at(-1) === 'merchant') return fc.constantFrom(m.merchantId, f.merchantId, '*');
    return undefined;
  };

  /**
   * Random bodies within the schema are mostly incoherent (an ADJUSTMENT
   * without its reason, lines beside a cash count) and stop at the shape
   * check. Half of them are made coherent — one of the four kinds of manual
   * voucher, balanced, on the merchant's own accounts — keeping their
   * generated texts and amounts, so they reach the workflow and the database.
   */
  const coherent = (body: unknown): fc.Arbitrary<unknown> => {
    type Line = { accountId: string; direction: string; amount: string; memo?: string };
    const b = body as { description?: string; lines?: Line[]; countedBalance?: string };
    const own = Object.values(m.accounts);
    const lines = (b.lines ?? []).map((l, i, all) => ({
      ...l,
      accountId: own[i % own.length]!,
      direction: i % 2 === 0 ? 'DEBIT' : 'CREDIT',
      amount: all.length % 2 === 0 ? all[0]!.amount : '1',
    }));
    const common = { merchantId: m.merchantId, ...(b.description ? { description: b.description } : {}) };
    return fc.constantFrom('as generated', 'correction', 'TRANSFER', 'EXPENSE', 'cash_count').map((kind) => {
      if (kind === 'as generated' || (kind !== 'cash_count' && lines.length < 2)) return body;
      if (kind === 'cash_count')
        return {
          ...common,
          type: 'ADJUSTMENT',
          reason: 'cash_count',
          accountId: m.accounts.CASH,
          countedBalance: b.countedBalance ?? '100.00',
        };
      if (kind === 'correction') return { ...common, type: 'ADJUSTMENT', reason: 'correction', lines };
      return { ...common, type: kind, lines };
    });
  };

  const requestFor = (route: string, kind: 'within' | 'outside') => {
    const op = operations.get(route)!;
    const bodyArb = op.body
      ? within(op.body, hint).chain((body) =>
          route === 'POST /vouchers' ? coherent(body) : fc.constant(body),
        )
      : fc.constant(undefined);
    const brokenArb =
      kind === 'outside' && op.body
        ? bodyArb.chain((body) =>
            outside(op.body!, body).map((broken) => ({ body: broken, valid: validator(op.body!)(broken) })),
          )
        : bodyArb.map((body) => ({ body, valid: true }));
    // A route without a body is broken in its path instead: an id no entity can have.
    const badPath = kind === 'outside' && !op.body;
    return fc
      .record({
        id: badPath
          ? fc.constantFrom('0', 'abc', '-1', '1.5', '9'.repeat(20), '%00', '%20')
          : fc.constantFrom(...ids, ...vouchers, ...integrations),
        key: fc.oneof(
          { weight: 9, arbitrary: fc.stringMatching(/^[A-Za-z0-9._:-]{1,40}$/) },
          { weight: 1, arbitrary: fc.constant('prop-reused-key') },
        ),
        payload: brokenArb,
      })
      .map(({ id, key, payload }) => ({ op, id, key, ...payload, ...(badPath ? { valid: false } : {}) }));
  };

  const send = async (
    r: { op: Operation; id: string; key: string; body: unknown; valid: boolean },
    kind: string,
  ) => {
    const path = r.op.path.replace('{id}', r.id);
    const headers = r.op.header ? { [r.op.header.name]: r.key } : undefined;
    const res = await api.call(admin, r.op.method, path, r.body, headers);
    const tally = `${r.op.method} ${r.op.path} ${kind} → ${res.statusCode}`;
    answers.set(tally, (answers.get(tally) ?? 0) + 1);
    const answer = `${r.op.method} ${path} (${kind}) ${JSON.stringify(r.body)?.slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
    expect(res.statusCode < 300 || (res.statusCode >= 400 && res.statusCode < 500), answer).toBe(true);
    if (kind === 'outside' && !r.valid) expect(res.statusCode, answer).toBeGreaterThanOrEqual(400);
    if (res.statusCode >= 400) {
      const body = res.json() as { code: string; requestId: string; statusCode: number };
      expect(Object.keys(API_ERRORS), answer).toContain(body.code);
      expect(body.statusCode, answer).toBe(res.statusCode);
      expect(body.requestId, answer).toEqual(expect.any(String));
    }
    if (r.op.path === '/vouchers' && r.op.method === 'POST') {
      const merchantId = (r.body as { merchantId?: unknown } | undefined)?.merchantId;
      if (typeof merchantId === 'string') workflows.add(`finance-manual-${merchantId}-${r.key}`);
    }
    if (r.op.path === '/vouchers/{id}/void') workflows.add(`finance-void-${r.id}`);
    if (res.statusCode === 202) workflows.add((res.json() as { workflowId: string }).workflowId);
  };

  it('the document publishes every write route', () => {
    expect([...operations.keys()].sort()).toEqual([...WRITE_ROUTES].sort());
  });

  describe.each(WRITE_ROUTES)('%s', (route) => {
    it.each(['within', 'outside'] as const)('requests %s the schema', async (kind) => {
      const op = operations.get(route)!;
      await fc.assert(
        fc.asyncProperty(requestFor(route, kind), async (r) => {
          if (kind === 'within')
            expect(op.body ? validator(op.body)(r.body) : true, JSON.stringify(r.body)).toBe(true);
          await send(r, kind);
        }),
        { seed: SEED + WRITE_ROUTES.indexOf(route) * 2 + (kind === 'outside' ? 1 : 0), numRuns: RUNS },
      );
    });
  });

  it('every workflow a request started has ended: a voucher or a ledger code, nothing retrying', async () => {
    const { client } = api.app.temporal;
    const deadline = Date.now() + SETTLE_MS;
    const codes = Object.keys(LEDGER_ERRORS);
    let started = 0;
    for (const workflowId of workflows) {
      const handle = client.workflow.getHandle(workflowId);
      try {
        await handle.describe();
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) continue; // refused before a workflow started
        throw err;
      }
      started += 1;
      const outcome = await Promise.race([
        handle.result().then(
          (result: unknown) => ({ result }),
          (error: unknown) => ({ error }),
        ),
        new Promise<{ timeout: true }>((resolve) =>
          setTimeout(() => resolve({ timeout: true }), Math.max(0, deadline - Date.now())),
        ),
      ]);
      expect(outcome, `${workflowId} still running after ${SETTLE_MS} ms`).not.toHaveProperty('timeout');
      if ('error' in outcome) {
        expect(outcome.error, workflowId).toBeInstanceOf(WorkflowFailedError);
        const cause = (outcome.error as WorkflowFailedError).cause;
        expect(cause, workflowId).toBeInstanceOf(ApplicationFailure);
        expect(codes, `${workflowId}: ${cause?.message}`).toContain((cause as ApplicationFailure).type);
      } else if ('result' in outcome) {
        expect(outcome.result, workflowId).toMatchObject({
          outcome: expect.stringMatching(/^(posted|voided|nothing_to_post)$/),
        });
      }
      expect((await handle.describe()).status.name, workflowId).not.toBe('RUNNING');
    }
    console.log(
      [
        `openapi property test: ${workflows.size} candidate workflows, ${started} started, all ended; answers:`,
        ...[...answers].sort().map(([k, n]) => `  ${k}: ${n}`),
      ].join('\n'),
    );
    expect(started).toBeGreaterThan(0);
  });
});

interface OpenApiOperation {
  parameters?: { in: string; name: string; schema: JsonSchema; required?: boolean }[];
  requestBody?: { content: { 'application/json': { schema: JsonSchema } } };
}

function writeOperations(paths: Record<string, Record<string, OpenApiOperation>>): Map<string, Operation> {
  const out = new Map<string, Operation>();
  for (const [fullPath, methods] of Object.entries(paths)) {
    const path = fullPath.slice(API.length);
    for (const [method, op] of Object.entries(methods)) {
      if (!['post', 'put', 'patch', 'delete'].includes(method)) continue;
      const header = op.parameters?.find((p) => p.in === 'header' && p.required);
      out.set(`${method.toUpperCase()} ${path}`, {
        method: method.toUpperCase(),
        path,
        ...(op.requestBody ? { body: op.requestBody.content['application/json'].schema } : {}),
        ...(header ? { header: { name: header.name, schema: header.schema } } : {}),
      });
    }
  }
  return out;
}
