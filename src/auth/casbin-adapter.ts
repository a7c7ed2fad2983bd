import { type Adapter, type Model } from 'casbin';
import { type Db } from '../db/executor.js';
import { loadPolicyRules } from '../db/policies.js';
import { ROLES, roleSubject, type RoleName } from './roles.js';

/**
 * A role written as a bare name (`admin`) by the release before role subjects
 * were namespaced, e.g. a grant made on an old pod during the rolling update
 * that follows the migration: read as the namespaced subject it means.
 */
const asRoleSubject = (value: string): string =>
  (ROLES as readonly string[]).includes(value) ? roleSubject(value as RoleName) : value;

/**
 * Casbin policies from PostgreSQL (db/policies.ts). Written here rather than
 * taken from casbin-prisma-adapter because that one reads every row and
 * hard-deletes, while our rows are soft-deleted (`deleted_at`, like every
 * table) and must stay for the audit trail. Policy changes go through
 * auth/grants.ts, so the enforcer only reads.
 */
export class PolicyAdapter implements Adapter {
  constructor(private readonly db: Db) {}

  async loadPolicy(model: Model): Promise<void> {
    for (const { ptype, values } of await loadPolicyRules(this.db)) {
      // Values are passed as an array, never re-parsed as CSV: a comma in a user id cannot inject a rule.
      const sec = ptype.startsWith('g') ? 'g' : 'p';
      const rule = [...values];
      // The role is v0 of a policy and v1 of a grant; v0 of a grant is a user and stays as written.
      const roleAt = sec === 'p' ? 0 : 1;
      if (rule[roleAt] !== undefined) rule[roleAt] = asRoleSubject(rule[roleAt]);
      model.addPolicy(sec, ptype, rule);
    }
  }

  async savePolicy(): Promise<boolean> {
    throw new Error('policies are changed through auth/grants.ts, not by saving the enforcer');
  }

  async addPolicy(): Promise<void> {
    throw new Error('policies are changed through auth/grants.ts');
  }

  async removePolicy(): Promise<void> {
    throw new Error('policies are changed through auth/grants.ts');
  }

  async removeFilteredPolicy(): Promise<void> {
    throw new Error('policies are changed through auth/grants.ts');
  }
}
