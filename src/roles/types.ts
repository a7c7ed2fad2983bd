import { type AppConfig } from '../config/index.js';
import { type Logger } from '../lib/logger.js';

/** Named dependency checks behind `/readyz`: each resolves when its dependency answers. */
export type ReadinessChecks = Record<string, () => Promise<unknown>>;

/** A running role: `stop` stops taking new work, finishes what is in flight and closes its clients. */
export interface RunningRole {
  name: string;
  stop(): Promise<void>;
  /** Resolves or rejects when the role ends by itself (e.g. a worker crash). */
  done?: Promise<void>;
  /** What this role needs to be ready (served by the ops server when no api runs in the process). */
  checks?: ReadinessChecks;
}

export interface RoleContext {
  config: AppConfig;
  logger: Logger;
}
