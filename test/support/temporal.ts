import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, Worker, type WorkflowBundlePath } from '@temporalio/worker';
import { type Activities } from '../../src/activities/index.js';
import { workflowsPath } from '../../src/temporal/worker.js';
import { testEnv, uniqueName } from './env.js';
import { financeSinks } from '../../src/temporal/sinks.js';

/** The running dev server, through the SDK's test environment (no time skipping on a real server). */
export function testWorkflowEnvironment(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({
    address: testEnv.temporalAddress,
    namespace: testEnv.temporalNamespace,
  });
}

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/** Workflow code depends on src/workflows and the pure src/domain only; the bundle is keyed by their contents. */
function sourcesDigest(): string {
  const hash = createHash('sha256');
  for (const dir of ['workflows', 'domain', 'lib']) {
    for (const name of readdirSync(join(SRC, dir)).sort()) {
      const path = join(SRC, dir, name);
      if (statSync(path).isFile()) hash.update(name).update(readFileSync(path));
    }
  }
  hash.update(
    JSON.parse(
      readFileSync(new URL('../../node_modules/@temporalio/worker/package.json', import.meta.url), 'utf8'),
    ).version,
  );
  return hash.digest('hex').slice(0, 16);
}

let bundle: Promise<WorkflowBundlePath> | undefined;

/**
 * Bundling the workflows takes seconds on a small machine, and every test
 * file (each in its own process) needs them: build once per source version,
 * shared through a file (written atomically, so parallel files never read a
 * half-written bundle).
 */
export function workflowBundle(): Promise<WorkflowBundlePath> {
  bundle ??= (async () => {
    const dir = join(tmpdir(), 'seller-finance-workflow-bundles');
    mkdirSync(dir, { recursive: true });
    const codePath = join(dir, `workflows-${sourcesDigest()}.js`);
    if (!existsSync(codePath)) {
      const { code } = await bundleWorkflowCode({
        workflowsPath: workflowsPath(),
        logger: quietBundlerLogger,
      });
      const tmp = `${codePath}.${process.pid}.tmp`;
      writeFileSync(tmp, code);
      renameSync(tmp, codePath);
    }
    return { codePath };
  })();
  return bundle;
}

const noop = () => undefined;
const quietBundlerLogger = { log: noop, trace: noop, debug: noop, info: noop, warn: noop, error: noop };

/** A fresh worker on its own task queue, running only while `fn` runs (the SDK's testing pattern). */
export async function withWorker<T>(
  env: TestWorkflowEnvironment,
  activities: Activities,
  fn: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const taskQueue = uniqueName('test-finance');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    namespace: testEnv.temporalNamespace,
    taskQueue,
    workflowBundle: await workflowBundle(),
    activities,
    sinks: financeSinks,
  });
  return worker.runUntil(() => fn(taskQueue));
}
