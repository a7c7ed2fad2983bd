import { type AppConfig, type Role } from '../config/index.js';
import { type Logger } from '../lib/logger.js';
import { type Readiness, type ReadinessCheck } from '../lib/readiness.js';

/** Named checks of one role, registered as `<role>.<name>` behind `/readyz`. */
export type ReadinessChecks = Record<string, ReadinessCheck>;

/** A running role: `stop` stops taking new work, finishes what is in flight and closes its clients. */
export interface RunningRole {
  name: string;
  stop(): Promise<void>;
  /** Resolves or rejects when the role ends by itself (e.g. a worker crash). */
  done?: Promise<void>;
  /** Checks through the role's own clients; they replace its boot probes of the same names. */
  checks?: ReadinessChecks;
}

export interface RoleContext {
  config: AppConfig;
  logger: Logger;
  readiness: Readiness;
  /** Takes PORT over from the ops server that answered probes while the role started (the api). */
  takeOverPort(): Promise<{ host: string; port: number }>;
}

/**
 * What main.ts supervises: how to start a role, and how to tell, before it
 * runs, which of its dependencies answer (each probe opens and closes its own
 * short-lived connection).
 */
export interface RoleDefinition {
  name: Role;
  bootProbes(config: AppConfig): ReadinessChecks;
  start(ctx: RoleContext): Promise<RunningRole>;
}
