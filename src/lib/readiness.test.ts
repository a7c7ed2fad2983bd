import { describe, expect, it } from 'vitest';
import { NotReady, Readiness } from './readiness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Readiness', () => {
  it('runs each check once for a flood of concurrent probes, and again after the cache expires', async () => {
    let calls = 0;
    const readiness = new Readiness({ cacheMs: 200 });
    readiness.register('slow.dependency', async () => {
      calls += 1;
      await sleep(50);
    });
    const reports = await Promise.all(Array.from({ length: 100 }, () => readiness.report()));
    expect(calls).toBe(1);
    expect(new Set(reports.map((r) => r.status))).toEqual(new Set(['ready']));
    await readiness.report();
    expect(calls, 'reused within cacheMs of completion').toBe(1);
    await sleep(250);
    await readiness.report();
    expect(calls).toBe(2);
  });

  it('names each failure: our own words as they are, a driver error by its code, a hang by its deadline', async () => {
    const readiness = new Readiness({ timeoutMs: 50 });
    readiness.register('a.ok', async () => undefined);
    readiness.register('a.mine', async () => {
      throw new NotReady('starting: attempt 2 failed (ECONNREFUSED), next in 2 s');
    });
    readiness.register('a.driver', async () => {
      throw Object.assign(new Error('connect ECONNREFUSED postgresql://user:secret@db:5432'), {
        code: 'ECONNREFUSED',
      });
    });
    readiness.register('a.hangs', () => new Promise(() => undefined));
    const report = await readiness.report();
    expect(report.status).toBe('unready');
    expect(report.checks['a.ok']).toMatchObject({ ok: true });
    expect(report.checks['a.mine']!.error).toBe('starting: attempt 2 failed (ECONNREFUSED), next in 2 s');
    expect(report.checks['a.driver']!.error).toBe('ECONNREFUSED');
    expect(report.checks['a.hangs']!.error).toBe('no answer within 50 ms');
    expect(JSON.stringify(report)).not.toContain('secret');
  });

  it('is not ready before anything is registered, and a registration replaces a check of the same name', async () => {
    const readiness = new Readiness({ cacheMs: 10_000 });
    expect((await readiness.report()).status).toBe('unready');
    readiness.register('worker.temporal', async () => {
      throw new NotReady('boot probe');
    });
    expect((await readiness.report()).status).toBe('unready');
    readiness.register('worker.temporal', async () => undefined);
    expect(readiness.names()).toEqual(['worker.temporal']);
    expect((await readiness.report()).status, 'a registration drops the cached report').toBe('ready');
  });
});
