import { setTimeout as sleep } from 'node:timers/promises';
import { failureName, NotReady } from '../lib/readiness.js';
import { type RoleContext, type RoleDefinition, type RunningRole } from './types.js';

export interface RetryPolicy {
  initialMs: number;
  maxMs: number;
}

/** Doubling from 1 s to 15 s: quick when a dependency blips, gentle when it is gone for long. */
export const START_RETRY: RetryPolicy = { initialMs: 1_000, maxMs: 15_000 };

/** The wait after failed attempt `attempt` (1, 2, …). */
export function retryDelayMs(attempt: number, retry: RetryPolicy = START_RETRY): number {
  return Math.min(retry.maxMs, retry.initialMs * 2 ** Math.min(attempt - 1, 20));
}

export interface SupervisedRole {
  readonly name: string;
  /** Resolves with the running role once it started; never rejects (failures are retried). */
  readonly started: Promise<RunningRole | undefined>;
  /** Stops retrying, or stops the role once it runs. */
  stop(): Promise<void>;
}

/**
 * Starts a role and keeps trying until it runs: a dependency that does not
 * answer at boot (PostgreSQL, Redis, Kafka, Temporal) is not a reason to
 * exit; only a configuration error is, and that was refused before any role
 * started (config/). Meanwhile `/readyz` answers 503 with:
 *   - `<role>.<dependency>`: the role's boot probes, until its own checks replace them;
 *   - `<role>.running`: "starting", with the last failure and the next attempt.
 */
export function superviseRole(
  definition: RoleDefinition,
  ctx: RoleContext,
  retry: RetryPolicy = START_RETRY,
): SupervisedRole {
  const { name } = definition;
  const log = ctx.logger.child({ role: name });
  const cancel = new AbortController();
  let status = 'starting';
  let running: RunningRole | undefined;

  for (const [check, run] of Object.entries(definition.bootProbes(ctx.config)))
    ctx.readiness.register(`${name}.${check}`, run);
  ctx.readiness.register(`${name}.running`, async () => {
    if (!running) throw new NotReady(status);
  });

  const started = (async () => {
    for (let attempt = 1; !cancel.signal.aborted; attempt += 1) {
      try {
        const role = await definition.start(ctx);
        if (cancel.signal.aborted) {
          await role.stop();
          return undefined;
        }
        for (const [check, run] of Object.entries(role.checks ?? {}))
          ctx.readiness.register(`${name}.${check}`, run);
        if (!role.checks?.running) ctx.readiness.register(`${name}.running`, async () => undefined);
        running = role;
        if (attempt > 1) log.info({ attempt }, `${name} started after ${attempt} attempts`);
        return role;
      } catch (err) {
        const delayMs = retryDelayMs(attempt, retry);
        status = `starting: attempt ${attempt} failed (${failureName(err)}), next in ${Math.round(delayMs / 1000)} s`;
        log.warn(
          { err, attempt, retryInMs: delayMs, event: 'finance.role.start_failed' },
          `${name} could not start; retrying in ${delayMs} ms (readyz names the dependency that does not answer)`,
        );
        await sleep(delayMs, undefined, { signal: cancel.signal }).catch(() => undefined);
      }
    }
    return undefined;
  })();

  return {
    name,
    started,
    async stop() {
      cancel.abort();
      const role = await started;
      await role?.stop();
    },
  };
}
