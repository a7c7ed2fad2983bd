import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotReady, Readiness } from '../../src/lib/readiness.js';
import { capturingLogger } from '../support/logs.js';
import { createTestApi, json, type TestApi } from './support.js';

/**
 * The api's `/readyz` answers with every check registered in the process
 * (in RUN_MODE=all, the worker's and ingest's too) and costs its
 * dependencies at most one round of calls per second however often it is
 * asked.
 */
describe('api readiness', () => {
  const logs = capturingLogger('warn');
  const readiness = new Readiness();
  let rounds = 0;
  let workerUp = false;
  let api: TestApi;

  beforeAll(async () => {
    // What main.ts registers for the other roles of an `all` process.
    readiness.register('worker.running', async () => {
      rounds += 1;
      if (!workerUp) throw new NotReady('starting: attempt 1 failed (ECONNREFUSED), next in 1 s');
    });
    api = await createTestApi({ logger: logs.logger, overrides: { readiness } });
  });
  afterAll(async () => api?.close());

  it('reports the checks of every role in the process, and 503 while one of them fails', async () => {
    const res = await api.call(null, 'GET', '/readyz');
    expect(res.statusCode).toBe(503);
    const body = json<{ status: string; checks: Record<string, { ok: boolean; error?: string }> }>(res);
    expect(Object.keys(body.checks).sort()).toEqual([
      'api.database',
      'api.load',
      'api.redis',
      'api.temporal',
      'worker.running',
    ]);
    expect(body.checks['worker.running']).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^starting/),
    });
    expect(body.checks['api.database']!.ok).toBe(true);
  });

  it('a flood of probes is answered from one evaluation per second', async () => {
    await new Promise((r) => setTimeout(r, 1_100));
    workerUp = true;
    const before = rounds;
    const answers = await Promise.all(Array.from({ length: 200 }, () => api.call(null, 'GET', '/readyz')));
    expect(new Set(answers.map((a) => a.statusCode))).toEqual(new Set([200]));
    expect(rounds - before).toBe(1);
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await api.call(null, 'GET', '/readyz')).statusCode).toBe(200);
    expect(rounds - before).toBe(2);
  });
});
