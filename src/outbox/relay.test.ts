import { describe, expect, it } from 'vitest';
import { sendChunks } from './relay.js';

describe('sendChunks', () => {
  const message = (i: number, bytes: number) => ({ key: `m${i % 3}`, value: 'x'.repeat(bytes) });

  it('keeps the order and bounds every request, a message above the bound alone', () => {
    const messages = [
      ...Array.from({ length: 40 }, (_, i) => message(i, 1_000)),
      message(40, 5_000),
      message(41, 10),
    ];
    const chunks = sendChunks(messages, 4_096);
    expect(chunks.flat()).toEqual(messages);
    for (const chunk of chunks) {
      const bytes = chunk.reduce((n, m) => n + String(m.key).length + String(m.value).length + 64, 0);
      expect(chunk.length === 1 || bytes <= 4_096).toBe(true);
    }
    expect(chunks.find((c) => c.includes(messages[40]!))).toEqual([messages[40]]);
    expect(sendChunks([], 4_096)).toEqual([]);
  });
});
