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
import { type WorkflowHandle } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkflowBundlePath } from '@temporalio/worker';
import { type Activities } from '../../src/activities/index.js';
import { type PayloadKey } from '../../src/config/temporal.js';
import { createLogger } from '../../src/lib/logger.js';
import { dataConverter } from '../../src/temporal/connection.js';
import { installTemporalRuntime } from '../../src/temporal/runtime.js';
import { financeSinks } from '../../src/temporal/sinks.js';
import { workflowsPath } from '../../src/temporal/worker.js';
import { testEnv, uniqueName } from './env.js';
import { registerWorker } from './worker-registry.js';

/**
 * A file that did not install its own Temporal runtime to capture the SDK's
 * logs (and assert on them) gets one that discards them: the SDK's default
 * prints every worker's life cycle, and every deliberately failed workflow,
 * to the CI log.
 */
export function quietTemporalRuntime(): void {
  installTemporalRuntime(createLogger({ level: 'silent' }));
}

/** The running dev server, through the SDK's test environment (no time skipping on a real server). */
export function testWorkflowEnvironment(): Promise<TestWorkflowEnvironment> {
  quietTemporalRuntime();
  return TestWorkflowEnvironment.createFromExistingServer({
    address: testEnv.temporalAddress,
    namespace: testEnv.temporalNamespace,
  });
}

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/**
 * The bundle is keyed by every source file (not only the directories the
 * workflows import today), so a workflow that starts importing another file
 * never runs a stale bundle.
 */
function sourcesDigest(): string {
  const hash = createHash('sha256');
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) {
        if (name !== 'generated') walk(path);
      } else hash.update(path.slice(SRC.length)).update(readFileSync(path));
    }
  };
  walk(SRC);
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

export interface TestWorkerOptions {
  activities: Activities;
  /** Default: a task queue of its own. */
  taskQueue?: string;
  /** Default: the shared dev server. */
  address?: string;
  namespace?: string;
  /** Poll over this connection (e.g. a TestWorkflowEnvironment's) instead of opening one; it is not closed. */
  connection?: NativeConnection;
  /** Payload encryption keys, as the worker role configures them (src/temporal/payload-codec.ts). */
  payloadKeys?: readonly PayloadKey[];
}

export interface TestWorker {
  readonly taskQueue: string;
  /** Settles when the worker has stopped; rejects when it failed. */
  readonly done: Promise<void>;
  /** Shuts the worker down and waits for it (and its own connection) to close. */
  stop(): Promise<void>;
}

/**
 * The only ways tests start a Temporal Worker (the lint forbids the others):
 * the real workflows (one cached bundle) and the given activities. Every
 * worker is registered while it runs, and a file whose tests leave one
 * running fails (test/support/setup.ts): a forgotten worker keeps polling
 * its server long after its test.
 */
async function createTestWorker(opts: TestWorkerOptions) {
  quietTemporalRuntime();
  const taskQueue = opts.taskQueue ?? uniqueName('test-finance');
  const ownConnection = opts.connection
    ? undefined
    : await NativeConnection.connect({ address: opts.address ?? testEnv.temporalAddress });
  try {
    const worker = await Worker.create({
      connection: opts.connection ?? ownConnection!,
      namespace: opts.namespace ?? testEnv.temporalNamespace,
      taskQueue,
      workflowBundle: await workflowBundle(),
      activities: opts.activities,
      sinks: financeSinks,
      dataConverter: dataConverter(opts.payloadKeys),
    });
    return { worker, taskQueue, closeConnection: async () => ownConnection?.close() };
  } catch (err) {
    await ownConnection?.close();
    throw err;
  }
}

/** A worker polling until `stop()`; stop it in `afterAll` or `finally`. */
export async function startTestWorker(opts: TestWorkerOptions): Promise<TestWorker> {
  const { worker, taskQueue, closeConnection } = await createTestWorker(opts);
  const done = worker.run().finally(async () => {
    unregister();
    await closeConnection();
  });
  done.catch(() => undefined);
  const handle: TestWorker = {
    taskQueue,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
  const unregister = registerWorker(handle);
  return handle;
}

/** A fresh worker running only while `fn` runs (the SDK's testing pattern), then shut down. */
export async function withTestWorker<T>(
  opts: TestWorkerOptions,
  fn: (taskQueue: string) => Promise<T>,
): Promise<T> {
  const { worker, taskQueue, closeConnection } = await createTestWorker(opts);
  const running = worker.runUntil(() => fn(taskQueue));
  const unregister = registerWorker({
    taskQueue,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running.catch(() => undefined);
    },
  });
  try {
    return await running;
  } finally {
    unregister();
    await closeConnection();
  }
}

/** A fresh worker on its own task queue of the environment's server, running only while `fn` runs. */
export function withWorker<T>(
  env: TestWorkflowEnvironment,
  activities: Activities,
  fn: (taskQueue: string) => Promise<T>,
  payloadKeys?: readonly PayloadKey[],
): Promise<T> {
  return withTestWorker(
    { activities, connection: env.nativeConnection, ...(payloadKeys ? { payloadKeys } : {}) },
    fn,
  );
}

/** Replays a recorded history against the current workflow code (a replay worker: nothing polls, nothing is left running). */
export async function replayHistory(history: unknown): Promise<void> {
  await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history);
}

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

/**
 * The attempts local activities ended on, one per marker in the history, of
 * the named activity type or of every type. A local activity leaves no
 * scheduled/started events: its marker's JSON records its type and last attempt.
 */
export function localActivityAttempts(events: readonly HistoryEvent[], activityType?: string): number[] {
  return events.flatMap((event) => {
    const data = event.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
    if (!data) return [];
    const marker = JSON.parse(Buffer.from(data).toString('utf8')) as {
      activity_type: string;
      attempt: number;
    };
    return activityType === undefined || marker.activity_type === activityType ? [marker.attempt] : [];
  });
}
