import { readFileSync } from 'node:fs';
import { newEnforcer, newModelFromString, Util, type Enforcer } from 'casbin';
import { type Redis } from 'ioredis';
import { type Db } from '../db/executor.js';
import { readPolicyVersion } from '../db/policies.js';
import { type Logger } from '../lib/logger.js';
import { PolicyAdapter } from './casbin-adapter.js';
import { repairCachedVersion } from './policy-version.js';
import {
  ALL_MERCHANTS,
  type AuthzAction,
  type AuthzObject,
  isReservedSubject,
  type MerchantScope,
  policyKeys,
} from './roles.js';

const MODEL = readFileSync(new URL('./rbac-model.conf', import.meta.url), 'utf8');

/** A domain no merchant has: enforcing against it is true only through a `*` grant. */
const ANY_MERCHANT_PROBE = '0';

/**
 * Reads the policy version and a cached decision in one round trip. Keys are
 * versioned, so a decision cached before a grant change is never read after
 * it, whichever replica cached it (and whatever order messages arrive in).
 */
const LOOKUP = `
local v = redis.call('GET', KEYS[1]) or '0'
return { v, redis.call('GET', ARGV[1] .. v .. ':' .. ARGV[2]) }`;

export interface AuthorizerOptions {
  db: Db;
  redis: Redis;
  keyPrefix: string;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How long cached decisions live in Redis (they are unreachable once the version moves anyway). */
  decisionTtlSeconds?: number;
  /**
   * The longest this replica decides on a policy version it has not confirmed
   * in PostgreSQL: the bound on how long a change whose Redis notification was
   * lost can go unnoticed (default 5 s).
   */
  policyRecheckMs?: number;
}

type LookupResult = [string, string | null];

/** The policies in memory and the PostgreSQL version they were loaded at, swapped together. */
interface LoadedPolicy {
  enforcer: Enforcer;
  version: string;
}

/**
 * Casbin RBAC with merchant domains (docs/reference/http-api.md). The enforcer holds the
 * policies from PostgreSQL in memory; decisions are cached in Redis under the
 * policy version. PostgreSQL owns the version (policy-version.ts: bumped with
 * every rule change); Redis holds a copy and the change notification. A
 * replica reloads when it is notified, when the copy in Redis differs from
 * what it loaded, and, should both be lost in a Redis fault, when it has not
 * confirmed its version in PostgreSQL for `policyRecheckMs`.
 */
export class Authorizer {
  private loaded: LoadedPolicy | null = null;
  /** When the loaded version was last confirmed in PostgreSQL (ms since the epoch). */
  private confirmedAt = 0;
  private refreshing: Promise<void> | null = null;
  private subscriber: Redis | null = null;
  private readonly keys;
  private readonly ttl: number;
  private readonly recheckMs: number;

  private constructor(private readonly opts: AuthorizerOptions) {
    this.keys = policyKeys(opts.keyPrefix);
    this.ttl = opts.decisionTtlSeconds ?? 300;
    this.recheckMs = opts.policyRecheckMs ?? 5_000;
    opts.redis.defineCommand('financeAuthzLookup', { numberOfKeys: 1, lua: LOOKUP });
  }

  static async create(opts: AuthorizerOptions): Promise<Authorizer> {
    const authorizer = new Authorizer(opts);
    // A start that fails (PostgreSQL or Redis down at boot) must not leave its subscriber connection open.
    await authorizer.start().catch(async (err: unknown) => {
      await authorizer.close();
      throw err;
    });
    return authorizer;
  }

  private async start(): Promise<void> {
    const sub = this.opts.redis.duplicate();
    this.subscriber = sub;
    sub.on('error', (err: Error) =>
      this.opts.logger.warn(
        { err: { message: err.message } },
        'authorization: redis subscriber connection error',
      ),
    );
    sub.on('message', (_channel: string, message: string) => {
      let version: string | undefined;
      try {
        version = String((JSON.parse(message) as { version?: unknown }).version ?? '');
      } catch {
        version = undefined;
      }
      if (version && version === this.loaded?.version) return;
      this.opts.logger.info(
        { event: 'finance.authz.policy_changed', version },
        'authorization policy changed: reloading',
      );
      this.refresh(version || null).catch((err: unknown) =>
        this.opts.logger.error(
          { err },
          'reloading authorization policies failed; will retry on the next request',
        ),
      );
    });
    await sub.subscribe(this.keys.channel);
    await this.refresh(null);
  }

  async close(): Promise<void> {
    const sub = this.subscriber;
    this.subscriber = null;
    if (sub) await sub.quit().catch(() => sub.disconnect());
  }

  /** May `sub` do `act` on `obj` of this merchant? */
  async can(sub: string, merchantId: string, obj: AuthzObject, act: AuthzAction): Promise<boolean> {
    // Authentication already refuses these; a role's name never reaches Casbin as a caller.
    if (isReservedSubject(sub)) return false;
    const rest = `can:${merchantId}:${obj}:${act}:${sub}`;
    const cached = await this.lookup(rest);
    const policy = await this.current(cached.version);
    if (cached.value !== null && cached.version === policy.version) return cached.value === '1';
    const allowed = await policy.enforcer.enforce(sub, merchantId, obj, act);
    await this.store(policy.version, rest, allowed ? '1' : '0');
    return allowed;
  }

  /** May `sub` do `act` on `obj` of every merchant (a grant on `*`)? */
  async canEverywhere(sub: string, obj: AuthzObject, act: AuthzAction): Promise<boolean> {
    return this.can(sub, ANY_MERCHANT_PROBE, obj, act);
  }

  /** The merchants on which `sub` may do `act` on `obj`: lists and counts filter on this in SQL. */
  async scope(sub: string, obj: AuthzObject, act: AuthzAction): Promise<MerchantScope> {
    if (isReservedSubject(sub)) return { all: false, merchantIds: [] };
    const rest = `scope:${obj}:${act}:${sub}`;
    const cached = await this.lookup(rest);
    const policy = await this.current(cached.version);
    if (cached.value !== null && cached.version === policy.version)
      return JSON.parse(cached.value) as MerchantScope;
    const scope = await computeScope(policy.enforcer, sub, obj, act);
    await this.store(policy.version, rest, JSON.stringify(scope));
    return scope;
  }

  /**
   * The policy to decide with: the loaded one while Redis's copy of the
   * version agrees with it and it was confirmed in PostgreSQL within the
   * recheck interval; otherwise re-read from PostgreSQL first.
   */
  private async current(cachedVersion: string): Promise<LoadedPolicy> {
    const loaded = this.loaded;
    if (loaded && loaded.version === cachedVersion && Date.now() - this.confirmedAt < this.recheckMs)
      return loaded;
    await this.refresh(cachedVersion);
    return this.loaded!;
  }

  /**
   * Reads the version from PostgreSQL and reloads the policies if it moved;
   * concurrent callers share one refresh. When Redis's copy (`seen`) is
   * stale, it is repaired so the other replicas stop re-reading too.
   */
  private refresh(seen: string | null): Promise<void> {
    this.refreshing ??= (async () => {
      const startedAt = Date.now();
      const version = await readPolicyVersion(this.opts.db);
      // Redis announcing another version than PostgreSQL's also reloads: a change may have been
      // written by a writer that does not bump PostgreSQL's version (a pod of the previous release
      // during the rolling update).
      const announcedOther = seen !== null && seen !== version;
      if (this.loaded?.version !== version || announcedOther) await this.load(version);
      this.confirmedAt = startedAt;
      if (announcedOther) {
        await repairCachedVersion(this.opts.redis, this.opts.keyPrefix, seen, version).catch((err: unknown) =>
          this.opts.logger.warn(
            { err: { message: (err as Error).message } },
            'authorization: could not repair the cached policy version',
          ),
        );
      }
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /** The version and the decision cached under it: the key is `policyKeys(prefix).decision(version, rest)`. */
  private async lookup(rest: string): Promise<{ version: string; value: string | null }> {
    const lookup = (
      this.opts.redis as unknown as {
        financeAuthzLookup(key: string, prefix: string, rest: string): Promise<LookupResult>;
      }
    ).financeAuthzLookup;
    const [version, value] = await lookup.call(
      this.opts.redis,
      this.keys.version,
      `${this.opts.keyPrefix}authz:v`,
      rest,
    );
    return { version, value };
  }

  private async store(version: string, rest: string, value: string): Promise<void> {
    await this.opts.redis.set(this.keys.decision(version, rest), value, 'EX', this.ttl);
  }

  private async load(version: string): Promise<void> {
    const model = newModelFromString(MODEL);
    const enforcer = await newEnforcer(model, new PolicyAdapter(this.opts.db));
    await enforcer.addNamedDomainMatchingFunc('g', Util.keyMatchFunc);
    await enforcer.buildRoleLinks();
    // Swap only a fully loaded enforcer, with its version: a request never sees a half-loaded policy.
    // The version was read before the rules, so a change committed in between is seen at the next check.
    this.loaded = { enforcer, version };
  }
}

async function computeScope(
  enforcer: Enforcer,
  sub: string,
  obj: AuthzObject,
  act: AuthzAction,
): Promise<MerchantScope> {
  const grants = await enforcer.getFilteredGroupingPolicy(0, sub);
  const domains = [...new Set(grants.map((g) => g[2] ?? ''))];
  if (domains.includes(ALL_MERCHANTS) && (await enforcer.enforce(sub, ANY_MERCHANT_PROBE, obj, act)))
    return { all: true };
  const merchantIds: string[] = [];
  for (const dom of domains) {
    if (dom !== ALL_MERCHANTS && (await enforcer.enforce(sub, dom, obj, act))) merchantIds.push(dom);
  }
  return { all: false, merchantIds: merchantIds.sort() };
}
