import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../support/temporal.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DETERMINISM_RULES = ['no-restricted-imports', 'no-restricted-globals'] as const;

/** Our source files inside the workflow bundle, from the module names webpack writes into it. */
async function bundledSourceFiles(): Promise<string[]> {
  const code = readFileSync((await workflowBundle()).codePath, 'utf8');
  return [...new Set([...code.matchAll(/"\.\/(src\/[\w./-]+\.ts)"/g)].map((m) => m[1]!))].sort();
}

describe('the determinism lint covers everything the workflow sandbox runs', () => {
  it('every file of our own in the workflow bundle gets the same rules as the workflows', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const rulesOf = async (file: string) => {
      const { rules = {} } = (await eslint.calculateConfigForFile(file)) as {
        rules?: Record<string, unknown>;
      };
      return Object.fromEntries(DETERMINISM_RULES.map((r) => [r, rules[r]]));
    };
    const files = await bundledSourceFiles();
    // The bundle was read: the workflows and the domain code they import are there.
    expect(files).toContain('src/workflows/index.ts');
    expect(files.some((f) => f.startsWith('src/domain/'))).toBe(true);

    const workflowRules = await rulesOf('src/workflows/index.ts');
    expect(JSON.stringify(workflowRules)).toContain('Workflows must be deterministic');
    // The comparison can fail: a file outside the sandbox has other rules.
    expect(await rulesOf('src/db/posting-statement.ts')).not.toEqual(workflowRules);

    const uncovered: string[] = [];
    for (const file of files) {
      if (JSON.stringify(await rulesOf(file)) !== JSON.stringify(workflowRules)) uncovered.push(file);
    }
    expect(
      uncovered,
      'bundled into the workflows but not in WORKFLOW_SANDBOX_FILES (eslint.config.js)',
    ).toEqual([]);
  });
});
