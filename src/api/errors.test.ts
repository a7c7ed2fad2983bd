import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_ERRORS } from './errors.js';

describe('the closed set of error codes', () => {
  it('is documented, code and status, in docs/reference/http-api.md', () => {
    const doc = readFileSync(new URL('../../docs/reference/http-api.md', import.meta.url), 'utf8');
    const table = doc.slice(doc.indexOf('## Errors'));
    for (const [code, status] of Object.entries(API_ERRORS))
      expect(table, code).toMatch(new RegExp(`\\| \`${code}\` +\\| ${status} +\\|`));
  });
});
