/** Where commands write: stdout by default, a buffer in tests. */
export interface Out {
  line(text: string): void;
}

export const stdout: Out = { line: (text) => process.stdout.write(`${text}\n`) };

export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '),
  );
}
