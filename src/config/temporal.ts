import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { commaList, ConfigError, type Env, intInRange, parseEnv } from './parse.js';
import { DEFAULT_RETRY_WINDOW_HOURS, LONGEST_RETRY_WINDOW_HOURS } from '../domain/retry-window.js';

export type TemporalConfig = ReturnType<typeof parseTemporalConfig>;

/** Workflow task polls held open by default: more did not help (BENCHMARKS.md, "The fetch loop's sleep"). */
const DEFAULT_WORKFLOW_POLLERS = 10;

/** A PEM file named by a variable, read once at boot (a missing file is a configuration error). */
const pemFile = z.string().transform((path, ctx) => {
  try {
    return readFileSync(path);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code}` });
    return z.NEVER;
  }
});

/** TLS (null: plain TCP, e.g. the dev server) and the API key of a Temporal connection. */
export interface TemporalTransport {
  address: string;
  tls: {
    serverRootCACertificate?: Buffer;
    clientCertPair?: { crt: Buffer; key: Buffer };
    serverNameOverride?: string;
  } | null;
  apiKey?: string;
}

/** A payload key: `<id>:<32 bytes, base64>`. The id is stored with every payload, so keys can rotate. */
export interface PayloadKey {
  id: string;
  key: Buffer;
}

const payloadKeys = commaList.transform((entries, ctx): PayloadKey[] => {
  const keys: PayloadKey[] = [];
  for (const entry of entries) {
    const colon = entry.indexOf(':');
    const id = entry.slice(0, colon);
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (colon < 1 || !/^[A-Za-z0-9._-]{1,64}$/.test(id) || key.length !== 32) {
      ctx.addIssue({ code: 'custom', message: 'each entry must be <key id>:<32 bytes, base64>' });
      return z.NEVER;
    }
    if (keys.some((k) => k.id === id)) {
      ctx.addIssue({ code: 'custom', message: `key id ${id} appears twice` });
      return z.NEVER;
    }
    keys.push({ id, key });
  }
  return keys;
});

export function parseTemporalConfig(env: Env) {
  const parsed = parseEnv(
    {
      APP_ENV_TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
      APP_ENV_TEMPORAL_NAMESPACE: z.string().default('default'),
      APP_ENV_TEMPORAL_TASK_QUEUE: z.string().default('finance-posting'),
      APP_ENV_TEMPORAL_UI_URL: z.string().default('http://127.0.0.1:8233'),
      /** How long a posting waits for a missing merchant / control account before failing. */
      APP_ENV_MISSING_ACCOUNT_RETRY_HOURS: z.coerce
        .number()
        .positive()
        .max(LONGEST_RETRY_WINDOW_HOURS)
        .default(DEFAULT_RETRY_WINDOW_HOURS),
      APP_ENV_WORKER_MAX_ACTIVITIES: intInRange(1, 1000, 100),
      /**
       * A posting runs as a local activity inside its workflow task, so this also bounds postings in flight (BENCHMARKS.md).
       * The SDK needs 2 at least while it caches workflows.
       */
      APP_ENV_WORKER_MAX_WORKFLOW_TASKS: intInRange(2, 1000, 100),
      /** Workflow task polls held open at once (the SDK's floor is 2); at most the workflow task slots. */
      APP_ENV_WORKER_WORKFLOW_POLLERS: z.coerce.number().int().min(2).max(1000).optional(),
      /** TLS to the Temporal frontend; implied by any of the TLS files, the server name or an API key. */
      APP_ENV_TEMPORAL_TLS: z.enum(['true', 'false']).optional(),
      APP_ENV_TEMPORAL_TLS_CA_FILE: pemFile.optional(),
      APP_ENV_TEMPORAL_TLS_CERT_FILE: pemFile.optional(),
      APP_ENV_TEMPORAL_TLS_KEY_FILE: pemFile.optional(),
      APP_ENV_TEMPORAL_TLS_SERVER_NAME: z.string().optional(),
      APP_ENV_TEMPORAL_API_KEY: z.string().optional(),
      /** Payload encryption keys, the first encrypts; all decrypt (rotation). Empty: payloads stay in clear. */
      APP_ENV_TEMPORAL_PAYLOAD_KEYS: payloadKeys.optional(),
    },
    env,
  );
  const cert = parsed.APP_ENV_TEMPORAL_TLS_CERT_FILE;
  const key = parsed.APP_ENV_TEMPORAL_TLS_KEY_FILE;
  const problems: string[] = [];
  if ((cert === undefined) !== (key === undefined))
    problems.push(
      'APP_ENV_TEMPORAL_TLS_CERT_FILE / APP_ENV_TEMPORAL_TLS_KEY_FILE: mTLS needs both the client certificate and its key',
    );
  const tlsImplied =
    [parsed.APP_ENV_TEMPORAL_TLS_CA_FILE, cert, key, parsed.APP_ENV_TEMPORAL_TLS_SERVER_NAME].some(
      (v) => v !== undefined,
    ) || parsed.APP_ENV_TEMPORAL_API_KEY !== undefined;
  if (parsed.APP_ENV_TEMPORAL_TLS === 'false' && tlsImplied)
    problems.push(
      'APP_ENV_TEMPORAL_TLS: is false while TLS files, a server name or an API key are set (an API key is never sent in clear)',
    );
  const workflowPollers =
    parsed.APP_ENV_WORKER_WORKFLOW_POLLERS ??
    Math.min(DEFAULT_WORKFLOW_POLLERS, parsed.APP_ENV_WORKER_MAX_WORKFLOW_TASKS);
  if (workflowPollers > parsed.APP_ENV_WORKER_MAX_WORKFLOW_TASKS)
    problems.push(
      `APP_ENV_WORKER_WORKFLOW_POLLERS: ${workflowPollers} is more than APP_ENV_WORKER_MAX_WORKFLOW_TASKS (${parsed.APP_ENV_WORKER_MAX_WORKFLOW_TASKS}); each poll holds a workflow task slot`,
    );
  if (problems.length > 0) throw new ConfigError(problems);
  const tls =
    parsed.APP_ENV_TEMPORAL_TLS === 'true' || tlsImplied
      ? {
          ...(parsed.APP_ENV_TEMPORAL_TLS_CA_FILE
            ? { serverRootCACertificate: parsed.APP_ENV_TEMPORAL_TLS_CA_FILE }
            : {}),
          ...(cert && key ? { clientCertPair: { crt: cert, key } } : {}),
          ...(parsed.APP_ENV_TEMPORAL_TLS_SERVER_NAME
            ? { serverNameOverride: parsed.APP_ENV_TEMPORAL_TLS_SERVER_NAME }
            : {}),
        }
      : null;
  return {
    address: parsed.APP_ENV_TEMPORAL_ADDRESS,
    namespace: parsed.APP_ENV_TEMPORAL_NAMESPACE,
    taskQueue: parsed.APP_ENV_TEMPORAL_TASK_QUEUE,
    uiUrl: parsed.APP_ENV_TEMPORAL_UI_URL,
    missingAccountRetryHours: parsed.APP_ENV_MISSING_ACCOUNT_RETRY_HOURS,
    maxConcurrentActivities: parsed.APP_ENV_WORKER_MAX_ACTIVITIES,
    maxConcurrentWorkflowTasks: parsed.APP_ENV_WORKER_MAX_WORKFLOW_TASKS,
    workflowPollers,
    /** How every Temporal connection (clients and the worker) reaches the frontend. */
    transport: {
      address: parsed.APP_ENV_TEMPORAL_ADDRESS,
      tls,
      ...(parsed.APP_ENV_TEMPORAL_API_KEY ? { apiKey: parsed.APP_ENV_TEMPORAL_API_KEY } : {}),
    } as TemporalTransport,
    payloadKeys: parsed.APP_ENV_TEMPORAL_PAYLOAD_KEYS ?? [],
  };
}
