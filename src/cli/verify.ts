import { type Db } from '../db/executor.js';
import { ledgerSize, verifyLedger } from '../db/invariants.js';
import { type Out, printable } from './output.js';

/** `finance verify [--merchant <id>]`: every posting invariant (docs/reference/invariants.md), in SQL; exit 1 naming each violation. */
export async function runVerify(db: Db, out: Out, merchantId?: string): Promise<number> {
  const scope = merchantId ? `merchant ${merchantId}` : 'all merchants';
  const { vouchers, lines, accounts } = await ledgerSize(db, merchantId);
  out.line(`Verifying the ledger of ${scope}: ${vouchers} vouchers, ${lines} lines, ${accounts} accounts`);
  const results = await verifyLedger(db, {
    merchantId,
    onCheck: (r) =>
      out.line(
        `  ${r.violations.length === 0 ? 'ok  ' : 'FAIL'}  ${r.name.padEnd(26)} ${r.description} (${r.ms} ms)`,
      ),
  });
  const failed = results.filter((r) => r.violations.length > 0);
  if (failed.length === 0) {
    out.line(`All ${results.length} invariants hold for ${scope}.`);
    return 0;
  }
  out.line('');
  for (const r of failed) {
    out.line(`Violation of ${r.name} (${r.violations.length}):`);
    for (const v of r.violations.slice(0, 20)) out.line(`  ${v.id}  ${printable(v.detail)}`);
    if (r.violations.length > 20) out.line(`  … and ${r.violations.length - 20} more`);
  }
  out.line(
    `${failed.length} of ${results.length} invariants violated: ${failed.map((r) => r.name).join(', ')}`,
  );
  return 1;
}
