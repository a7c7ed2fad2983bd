import { type AppConfig } from '../config/index.js';
import { type Logger } from '../lib/logger.js';

/** A running role: `stop` stops taking new work, finishes what is in flight and closes its clients. */
export interface RunningRole {
  name: string;
  stop(): Promise<void>;
  /** Resolves or rejects when the role ends by itself (e.g. a worker crash). */
  done?: Promise<void>;
}

export interface RoleContext {
  config: AppConfig;
  logger: Logger;
}
