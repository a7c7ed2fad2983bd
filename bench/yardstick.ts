import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

/**
 * The raw-SQL posting yardstick: pgbench runs, with the benchmark's number of
 * clients, the least transaction a voucher post must make (lock both accounts
 * in id order, insert the voucher, move both balances and sequences, insert
 * two lines with their balance after, take the merchant's next number,
 * commit), with none of the ledger's checks. It is the ceiling of this
 * machine at this moment: the posting path is judged by its ratio to the
 * yardstick measured in the same run, never by absolute figures taken on a
 * busy shared machine. The scripts are in bench/yardstick/*.sql.
 */
export const YARDSTICK_SCENARIOS = [
  'spread',
  'one-merchant-number-first',
  'one-merchant-number-last',
  'hot-account',
] as const;
export type YardstickScenario = (typeof YARDSTICK_SCENARIOS)[number];

const SCRIPTS = fileURLToPath(new URL('./yardstick/', import.meta.url));

/** A ratio without its yardstick means nothing: the benchmark stops with this instead of printing one. */
export class YardstickError extends Error {
  override name = 'YardstickError';
}

/** pgbench from PATH, else from Debian's PostgreSQL packages (which do not put it on PATH). */
export function findPgbench(): string {
  const onPath = spawnSync('sh', ['-c', 'command -v pgbench'], { encoding: 'utf8' });
  if (onPath.status === 0 && onPath.stdout.trim()) return onPath.stdout.trim();
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) {
    const candidate = `${debian}/${v}/bin/pgbench`;
    if (existsSync(candidate)) return candidate;
  }
  throw new YardstickError(
    'pgbench not found: the yardstick needs it (Debian: apt-get install postgresql-client, or the postgresql package that `npm run stack:up` installs)',
  );
}

/** (Re)creates the yardstick's own tables in `url`, a scratch database. */
export async function prepareYardstick(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(readFileSync(`${SCRIPTS}schema.sql`, 'utf8'));
  } finally {
    await client.end();
  }
}

/** Vouchers per second of one scenario under pgbench; throws with pgbench's own words when it cannot measure. */
export function runYardstick(
  url: string,
  scenario: YardstickScenario,
  clients: number,
  seconds: number,
  pgbench = findPgbench(),
): number {
  const args = ['-n', '-c', String(clients), '-j', String(Math.min(2, clients)), '-T', String(seconds)];
  const run = spawnSync(pgbench, [...args, '-f', `${SCRIPTS}${scenario}.sql`, url], { encoding: 'utf8' });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
  if (run.error) throw new YardstickError(`pgbench could not run: ${run.error.message}`);
  if (run.status !== 0)
    throw new YardstickError(
      `pgbench ${scenario} exited ${run.status}: ${output.split('\n').slice(-5).join(' | ')}`,
    );
  const tps = Number(/^tps = ([0-9.]+)/m.exec(output)?.[1]);
  const failed = Number(/number of failed transactions: (\d+)/.exec(output)?.[1] ?? 0);
  if (!(tps > 0) || failed > 0)
    throw new YardstickError(
      `pgbench ${scenario} measured nothing usable (tps ${tps}, failed ${failed}): ${output}`,
    );
  return tps;
}
