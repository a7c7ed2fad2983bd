import { readFileSync } from 'node:fs';
import { newEnforcer, newModelFromString, Util, type Enforcer } from 'casbin';
import { type Redis } from 'ioredis';
import { type PrismaClient } from '../db/client.js';
import { type Logger } from '../lib/logger.js';
import { PrismaCasbinAdapter } from './casbin-adapter.js';
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
  prisma: PrismaClient;
  redis: Redis;
  keyPrefix: string;
  logger: Pick<Logger, 'info' | 'error'>;
  /** Safety net if a version bump is ever lost (Redis down during a grant). */
  decisionTtlSeconds?: number;
}

type LookupResult = [string, string | null];

/**
 * Casbin RBAC with merchant domains (SPEC §8). The enforcer holds the
 * policies from PostgreSQL in memory; decisions are cached in Redis under the
 * policy version. A change (auth/grants.ts) bumps the version and publishes
 * it: every replica reloads at once, and any replica that has not yet heard
 * of it notices the new version on its next lookup and reloads before deciding.
 */
export class Authorizer {
  private enforcer: Enforcer | null = null;
  private loadedVersion: string | null = null;
  private reloading: Promise<void> | null = null;
  private subscriber: Redis | null = null;
  private readonly keys;
  private readonly ttl: number;

  private constructor(private readonly opts: AuthorizerOptions) {
    this.keys = policyKeys(opts.keyPrefix);
    this.ttl = opts.decisionTtlSeconds ?? 300;
    opts.redis.defineCommand('financeAuthzLookup', { numberOfKeys: 1, lua: LOOKUP });
  }

  static async create(opts: AuthorizerOptions): Promise<Authorizer> {
    const authorizer = new Authorizer(opts);
    await authorizer.start();
    return authorizer;
  }

  private async start(): Promise<void> {
    const sub = this.opts.redis.duplicate();
    this.subscriber = sub;
    sub.on('message', (_channel: string, message: string) => {
      let version: string | undefined;
      try {
        version = String((JSON.parse(message) as { version?: unknown }).version ?? '');
      } catch {
        version = undefined;
      }
      this.opts.logger.info(
        { event: 'finance.authz.policy_changed', version },
        'authorization policy changed: reloading',
      );
      this.ensureVersion(version || null).catch((err: unknown) =>
        this.opts.logger.error(
          { err },
          'reloading authorization policies failed; will retry on the next request',
        ),
      );
    });
    await sub.subscribe(this.keys.channel);
    const version = (await this.opts.redis.get(this.keys.version)) ?? '0';
    await this.ensureVersion(version);
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
    if (cached.value !== null) return cached.value === '1';
    await this.ensureVersion(cached.version);
    const allowed = await this.requireEnforcer().enforce(sub, merchantId, obj, act);
    await this.store(cached.version, rest, allowed ? '1' : '0');
    return allowed;
  }

  /** The merchants on which `sub` may do `act` on `obj`: lists and counts filter on this in SQL. */
  async scope(sub: string, obj: AuthzObject, act: AuthzAction): Promise<MerchantScope> {
    if (isReservedSubject(sub)) return { all: false, merchantIds: [] };
    const rest = `scope:${obj}:${act}:${sub}`;
    const cached = await this.lookup(rest);
    if (cached.value !== null) return JSON.parse(cached.value) as MerchantScope;
    await this.ensureVersion(cached.version);
    const scope = await this.computeScope(sub, obj, act);
    await this.store(cached.version, rest, JSON.stringify(scope));
    return scope;
  }

  private async computeScope(sub: string, obj: AuthzObject, act: AuthzAction): Promise<MerchantScope> {
    const enforcer = this.requireEnforcer();
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

  /** Reloads the enforcer from PostgreSQL unless it already reflects `version` (concurrent callers share one reload). */
  private async ensureVersion(version: string | null): Promise<void> {
    while (this.enforcer === null || (version !== null && this.loadedVersion !== version)) {
      if (this.reloading) {
        await this.reloading;
        continue;
      }
      const target = version ?? (await this.opts.redis.get(this.keys.version)) ?? '0';
      this.reloading = this.load(target).finally(() => {
        this.reloading = null;
      });
      await this.reloading;
      if (version === null) return;
    }
  }

  private async load(version: string): Promise<void> {
    const model = newModelFromString(MODEL);
    const enforcer = await newEnforcer(model, new PrismaCasbinAdapter(this.opts.prisma));
    await enforcer.addNamedDomainMatchingFunc('g', Util.keyMatchFunc);
    await enforcer.buildRoleLinks();
    // Swap only a fully loaded enforcer: a request never sees a half-loaded policy.
    this.enforcer = enforcer;
    this.loadedVersion = version;
  }

  private requireEnforcer(): Enforcer {
    if (!this.enforcer) throw new Error('authorizer not started');
    return this.enforcer;
  }
}
