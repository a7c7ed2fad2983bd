import { randomBytes } from 'node:crypto';
import { Client } from '@temporalio/client';
import { type Payload } from '@temporalio/common';
import { type TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { type PayloadKey } from '../../src/config/temporal.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { type PostingEvent } from '../../src/domain/events.js';
import { dataConverter } from '../../src/temporal/connection.js';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING } from '../../src/temporal/payload-codec.js';
import { postEventStart, startWorkflow } from '../../src/temporal/workflow-starts.js';
import { API, createTestApi, user, type TestApi } from '../api/support.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { testEnv, uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';
import { testWorkflowEnvironment, withWorker } from '../support/temporal.js';

const key = (id: string): PayloadKey => ({ id, key: randomBytes(32) });
const UI = 'http://temporal-ui.test:8233';

/** Every payload in a history object (anything with `metadata` and `data`), with where it was found. */
function payloadsIn(value: unknown, path = ''): { path: string; payload: Payload }[] {
  if (!value || typeof value !== 'object' || value instanceof Uint8Array) return [];
  const record = value as Record<string, unknown>;
  if ('metadata' in record && 'data' in record && record.data instanceof Uint8Array)
    return [{ path, payload: record as Payload }];
  return Object.entries(record).flatMap(([k, v]) => payloadsIn(v, `${path}.${k}`));
}

const encodingOf = (p: Payload) => Buffer.from(p.metadata?.encoding ?? new Uint8Array()).toString();
const asJson = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});

/**
 * Payload encryption end to end: a real posting workflow on the shared dev
 * server, started by a client and run by a worker that both hold the keys;
 * its history, read by a client WITHOUT the keys, holds only ciphertext
 * (search attributes excepted); the API's codec endpoint decodes it for an
 * admin on every merchant and for nobody else.
 */
describe('Temporal payload encryption', () => {
  const logs = capturingLogger('warn');
  const [current, previous] = [key('2026-11'), key('2026-05')];
  let env: TestWorkflowEnvironment;
  let prisma: PrismaClient;
  let api: TestApi;
  let merchant: { merchantId: string; accounts: Record<string, string> };
  let history: Payload[];
  const [globalAdmin, merchantAdmin, globalViewer] = ['codec-admin', 'codec-madmin', 'codec-viewer'].map(
    user,
  ) as [string, string, string];

  beforeAll(async () => {
    [env, prisma] = await Promise.all([testWorkflowEnvironment(), testPrisma()]);
    merchant = await createTestMerchant(prisma, logs.logger);
    api = await createTestApi({
      logger: logs.logger,
      overrides: {
        temporal: {
          address: testEnv.temporalAddress,
          namespace: testEnv.temporalNamespace,
          taskQueue: uniqueName('codec-api'),
          uiUrl: `${UI}/namespaces/default`,
          payloadKeys: [current, previous],
        },
      },
    });
    await api.grant(globalAdmin, 'admin', '*');
    await api.grant(merchantAdmin, 'admin', merchant.merchantId);
    await api.grant(globalViewer, 'viewer', '*');
  });

  afterAll(async () => {
    await api?.close();
    await env?.teardown();
    await prisma?.$disconnect();
  });

  it('keeps amounts, memos and ids out of the history in clear, while search attributes stay filterable', async () => {
    const client = new Client({
      connection: env.connection,
      namespace: testEnv.temporalNamespace,
      dataConverter: dataConverter([current, previous]),
    });
    const event: PostingEvent = {
      id: uniqueName('evt-codec'),
      type: 'inventory.received',
      merchantId: merchant.merchantId,
      occurredAt: '2026-11-25T10:00:00Z',
      data: { receiptId: 'receipt-secret-7731', currency: 'USD', total: '98765.43' },
    };
    const activities = createActivities({ db: dbOf(prisma), ids: testIds, logger: logs.logger });
    const { handle, result } = await withWorker(
      env,
      activities,
      async (taskQueue) => {
        // The memo carries the request id (and the event id): neither may be stored in clear.
        const started = await startWorkflow(
          client,
          taskQueue,
          postEventStart(event, { requestId: 'memo-secret-5512' }),
        );
        return { handle: started, result: await started.result() };
      },
      [current, previous],
    );
    // The keyed client reads the result in clear.
    expect(result).toMatchObject({
      outcome: 'posted',
      vouchers: [{ voucherNumber: expect.stringMatching(/^PU-2026-\d{6}$/) }],
    });

    // A client without the keys sees the history as Temporal stores it.
    const raw = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
    const found = payloadsIn(raw);
    const searchAttributes = found.filter((f) => f.path.includes('searchAttributes'));
    // Markers' bookkeeping, written by the SDK's core without the codec: which patch, which local activity attempt.
    const bookkeeping = found.filter((f) => /\.details\.(patch-data|data)\./.test(f.path));
    const rest = found.filter((f) => !f.path.includes('searchAttributes') && !bookkeeping.includes(f));
    expect(bookkeeping.map((f) => f.path.replace(/^\.events\.\d+/, ''))).toEqual([
      '.markerRecordedEventAttributes.details.patch-data.payloads.0',
      '.markerRecordedEventAttributes.details.data.payloads.0',
    ]);
    expect(rest.length).toBeGreaterThanOrEqual(4); // input, memo, activity input and result, workflow result
    for (const { path, payload } of rest) {
      expect(encodingOf(payload), path).toBe(ENCRYPTED_ENCODING);
      expect(Buffer.from(payload.metadata!['encryption-key-id']!).toString(), path).toBe(current.id);
    }
    const everything = Buffer.concat(found.map((f) => Buffer.from(f.payload.data!))).toString('latin1');
    for (const secret of ['98765.43', 'receipt-secret-7731', 'memo-secret-5512', event.id])
      expect(everything).not.toContain(secret);
    // Search attributes are not encrypted: operators filter on them.
    expect(searchAttributes.map((f) => Buffer.from(f.payload.data!).toString())).toContain(
      JSON.stringify(merchant.merchantId),
    );
    history = rest.map((f) => f.payload);
  });

  it('decodes with any configured key id, and refuses a payload of an unknown key', async () => {
    const [old] = await new AesGcmPayloadCodec([previous]).encode([{ metadata: {}, data: Buffer.from('x') }]);
    const [decoded] = await new AesGcmPayloadCodec([current, previous]).decode([old!]);
    expect(Buffer.from(decoded!.data!).toString()).toBe('x');
    await expect(new AesGcmPayloadCodec([current]).decode([old!])).rejects.toThrow(/2026-05.*not configured/);
  });

  const codecCall = (who: string | null, operation: string, payloads: unknown[], origin = UI) =>
    api.call(
      who,
      'POST',
      `${API}/temporal/codec/${operation}`,
      { payloads },
      { origin, 'x-namespace': 'default' },
    );

  it('the codec endpoint decodes the history for an admin on every merchant', async () => {
    const res = await codecCall(globalAdmin, 'decode', history.map(asJson));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(UI);
    const decoded = (res.json() as { payloads: { metadata: Record<string, string>; data: string }[] })
      .payloads;
    expect(decoded).toHaveLength(history.length);
    const clear = decoded.map((p) => Buffer.from(p.data, 'base64').toString()).join('\n');
    expect(clear).toContain('98765.43');
    expect(clear).toContain('memo-secret-5512');
    expect(Buffer.from(decoded[0]!.metadata.encoding!, 'base64').toString()).toBe('json/plain');

    // encode → decode is the identity (the UI encodes what an operator types, e.g. a signal's input).
    const plain = {
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from('"hi"').toString('base64'),
    };
    const encoded = await codecCall(globalAdmin, 'encode', [plain]);
    expect(encoded.statusCode).toBe(200);
    const back = await codecCall(globalAdmin, 'decode', (encoded.json() as { payloads: unknown[] }).payloads);
    expect((back.json() as { payloads: unknown[] }).payloads).toEqual([plain]);
  });

  it('the codec endpoint refuses everyone else, and a browser on another origin', async () => {
    const body = history.slice(0, 1).map(asJson);
    for (const who of [merchantAdmin, globalViewer]) {
      const res = await codecCall(who, 'decode', body);
      expect(res.statusCode, who).toBe(403);
      expect(res.json()).toMatchObject({ code: 'FORBIDDEN' });
      expect(res.body).not.toContain('98765.43');
    }
    const anonymous = await codecCall(null, 'decode', body);
    expect(anonymous.statusCode).toBe(401);
    // The UI can read the refusal: CORS headers on the 401 too.
    expect(anonymous.headers['access-control-allow-origin']).toBe(UI);
    expect((await codecCall(globalViewer, 'encode', body)).statusCode).toBe(403);

    const preflight = (origin: string) =>
      api.app.inject({
        method: 'OPTIONS',
        url: `${API}/temporal/codec/decode`,
        headers: {
          origin,
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,content-type,x-namespace',
        },
      });
    const fromUi = await preflight(UI);
    expect(fromUi.statusCode).toBe(204);
    expect(fromUi.headers).toMatchObject({
      'access-control-allow-origin': UI,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'authorization, content-type, x-namespace',
    });
    const elsewhere = await preflight('https://evil.test');
    expect(elsewhere.headers['access-control-allow-origin']).toBeUndefined();
    const stolen = await codecCall(globalAdmin, 'decode', body, 'https://evil.test');
    expect(stolen.headers['access-control-allow-origin']).toBeUndefined();
  });
});
