import { REFUSED_IN_TEXT } from '../domain/text.js';

/** Where commands write: stdout by default, a buffer in tests. */
export interface Out {
  line(text: string): void;
}

export const stdout: Out = { line: (text) => process.stdout.write(`${text}\n`) };

const ACTIONABLE = new RegExp(`[\\\\${REFUSED_IN_TEXT}]`, 'g');

/**
 * Text from the ledger reaches an operator's terminal: memos, descriptions,
 * names and source ids come from API users and Kafka producers, and older
 * rows predate today's validation. Every character a terminal could act on —
 * C0 and C1 controls (ESC and CSI sequences, BEL, line breaks), DEL, the
 * Unicode line and paragraph separators and bidirectional overrides — is
 * printed as an escape (`\x1b`, `\u202e`), and a backslash as `\\`, so the
 * output is inert and says exactly what is stored.
 */
export function printable(text: string): string {
  return text.replace(ACTIONABLE, (c) => {
    if (c === '\\') return '\\\\';
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16)}`;
  });
}

/** Rows of cells as aligned lines; every cell is shown `printable`. */
export function table(rows: string[][]): string[] {
  const shown = rows.map((r) => r.map(printable));
  const widths = shown[0]!.map((_, i) => Math.max(...shown.map((r) => (r[i] ?? '').length)));
  return shown.map((r) =>
    r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '),
  );
}
