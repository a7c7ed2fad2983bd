import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from './ports.js';

/** The binary `npm run stack:up` installs (infra/stack.sh). */
const TEMPORAL_BIN = join(
  process.env.SF_CACHE_DIR ?? join(homedir(), '.cache/seller-finance'),
  'bin/temporal',
);

/**
 * A Temporal dev server of this test's own, persisted to a file, so the test
 * can stop it and start it again (state intact) without disturbing the
 * shared dev server every other suite uses.
 */
export async function privateTemporal(): Promise<{
  address: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}> {
  const dir = mkdtempSync(join(tmpdir(), 'sf-temporal-'));
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const address = `127.0.0.1:${port}`;
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--http-port',
    String(httpPort),
    '--metrics-port',
    String(metricsPort),
    '--headless',
    '--db-filename',
    join(dir, 'temporal.db'),
    '--namespace',
    'default',
    '--log-level',
    'warn',
    '--search-attribute',
    'MerchantId=Keyword',
    '--search-attribute',
    'EventType=Keyword',
    '--search-attribute',
    'VoucherNumber=Keyword',
  ];
  const log = createWriteStream(join(dir, 'temporal.log'), { flags: 'a' });
  let child: ChildProcess | undefined;

  const waitServing = async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const connection = await Connection.connect({ address, connectTimeout: '1 second' });
        try {
          await connection.workflowService.describeNamespace({ namespace: 'default' });
          return;
        } finally {
          await connection.close();
        }
      } catch (err) {
        if (Date.now() > deadline)
          throw new Error(`private Temporal at ${address} not serving: ${(err as Error).message}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  };

  return {
    address,
    async start() {
      child = spawn(TEMPORAL_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      child.stdout?.pipe(log, { end: false });
      child.stderr?.pipe(log, { end: false });
      await waitServing();
    },
    async stop() {
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await exited;
    },
  };
}
