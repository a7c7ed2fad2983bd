import { describe, expect, it } from 'vitest';
import { REFUSED_IN_TEXT } from '../domain/text.js';
import { printable, table } from './output.js';

const actionable = new RegExp(`[${REFUSED_IN_TEXT}]`);

describe('CLI output of stored text', () => {
  it.each([
    ['\u001b[2J\u001b[H', '\\x1b[2J\\x1b[H'],
    ['\u009b31m', '\\x9b31m'],
    ['bell\u0007', 'bell\\x07'],
    ['two\nlines\r', 'two\\x0alines\\x0d'],
    ['tab\tand DEL\u007f', 'tab\\x09and DEL\\x7f'],
    ['NUL\u0000', 'NUL\\x00'],
    ['abc\u202eevil', 'abc\\u202eevil'],
    ['isolate\u2066x\u2069', 'isolate\\u2066x\\u2069'],
    ['line\u2028separator', 'line\\u2028separator'],
    ['a\\x1b is not ESC', 'a\\\\x1b is not ESC'],
  ])('escapes %j', (input, shown) => {
    expect(printable(input)).toBe(shown);
  });

  it('leaves ordinary text of any script alone', () => {
    for (const text of ['Cash over and short', 'Ünïcödé ✓ 日本 😀', 'עברית‎ text', 'RC-2026-000042'])
      expect(printable(text)).toBe(text);
  });

  it('escapes every table cell and keeps columns aligned on the escaped text', () => {
    const lines = table([
      ['#', 'memo'],
      ['1\u001b[31m', 'x\u001b]0;pwned\u0007'],
    ]);
    for (const line of lines) expect(line).not.toMatch(actionable);
    expect(lines[1]).toBe('1\\x1b[31m  x\\x1b]0;pwned\\x07');
  });
});
