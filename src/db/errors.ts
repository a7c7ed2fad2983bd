/**
 * Classifies database failures by their PostgreSQL SQLSTATE, wherever Prisma
 * or the pg driver adapter put it (err.code, err.meta, err.cause…).
 */
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected (never expected: locks are taken in id order)
  '55P03', // lock_not_available (lock_timeout)
  '57014', // query_canceled (statement_timeout)
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);

export function sqlState(err: unknown): string | undefined {
  const seen = new Set<unknown>();
  const visit = (e: unknown): string | undefined => {
    if (!e || typeof e !== 'object' || seen.has(e)) return undefined;
    seen.add(e);
    const o = e as Record<string, unknown>;
    for (const candidate of [o.code, o.originalCode, (o.meta as Record<string, unknown> | undefined)?.code]) {
      if (typeof candidate === 'string' && /^[0-9A-Z]{5}$/.test(candidate) && !candidate.startsWith('P')) {
        return candidate;
      }
    }
    const driver = (o.meta as Record<string, unknown> | undefined)?.driverAdapterError;
    return visit(o.cause) ?? visit(driver) ?? visit(o.error);
  };
  return visit(err);
}

/** The constraint a unique violation hit, when the driver reports it. */
export function violatedConstraint(err: unknown): string | undefined {
  const text = collectText(err);
  return /constraint "([^"]+)"/.exec(text)?.[1] ?? /(FinanceVoucher_[a-z_]+_key)/.exec(text)?.[1];
}

export function isUniqueViolation(err: unknown): boolean {
  if (sqlState(err) === '23505') return true;
  const o = err as { code?: unknown } | undefined;
  return o?.code === 'P2002' || /UniqueConstraintViolation|unique constraint/i.test(collectText(err));
}

export function isTransientDbError(err: unknown): boolean {
  const state = sqlState(err);
  if (state && (TRANSIENT_SQLSTATES.has(state) || state.startsWith('08'))) return true;
  const text = collectText(err);
  return /ECONNREFUSED|ECONNRESET|Connection terminated|timeout exceeded when trying to connect|TransactionWriteConflict|Transaction API error|P1001|P1017|P2034|P2028/i.test(
    text,
  );
}

function collectText(err: unknown, depth = 0): string {
  if (!err || typeof err !== 'object' || depth > 4) return String(err ?? '');
  const o = err as Record<string, unknown>;
  return [o.message, o.code, JSON.stringify(o.meta ?? null), collectText(o.cause, depth + 1)]
    .filter(Boolean)
    .join(' ');
}

/** A one-line description of a database failure for logs and workflow failures (never SQL text or parameters). */
export function describeDbError(err: unknown): string {
  const state = sqlState(err);
  const messages: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e && typeof e === 'object' && depth < 4; depth += 1) {
    const o = e as { message?: unknown; cause?: unknown; kind?: unknown };
    if (typeof o.message === 'string' && o.message.trim() && !messages.includes(o.message.trim()))
      messages.push(o.message.trim());
    else if (typeof o.kind === 'string') messages.push(o.kind);
    e = o.cause;
  }
  return `${state ? `SQLSTATE ${state}: ` : ''}${messages.join(' — ').split('\n')[0] || 'unknown database error'}`;
}
