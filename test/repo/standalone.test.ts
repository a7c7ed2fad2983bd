import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findOutsideReferences } from '../../infra/check-standalone.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the repository stands alone (infra/check-standalone.ts, run by npm run lint)', () => {
  const planted = mkdtempSync(join(tmpdir(), 'sf-standalone-'));
  afterAll(() => rmSync(planted, { recursive: true, force: true }));

  it('finds nothing in this repository', () => {
    expect(findOutsideReferences(ROOT)).toEqual([]);
  });

  it('names each reference to something beside the repository, and each broken Markdown link', () => {
    const write = (path: string, text: string) => {
      mkdirSync(join(planted, path, '..'), { recursive: true });
      writeFileSync(join(planted, path), text);
    };
    write('.gitignore', 'build/\n');
    write(
      'README.md',
      '# x\n\nThe contract is [SPEC](../shared/SPEC.md).\nSee [the docs](docs/here.md#top).\n',
    );
    write('docs/here.md', 'Fine: [back](../README.md).\n');
    write('src/a.ts', '// Posting invariants (SPEC §5).\nconst notes = "/work/shared/PERF-NOTES.md";\n');
    write('build/out.md', 'ignored like the build output it is: ../shared/SPEC.md\n');

    const found = findOutsideReferences(planted).map((f) => `${f.file}:${f.line}: ${f.problem}`);
    expect(found).toEqual([
      expect.stringMatching(/^README\.md:3: refers to "\.\.\/shared": a directory beside/),
      expect.stringMatching(/^README\.md:3: refers to "SPEC\.md": a note kept outside/),
      'README.md:3: links to ../shared/SPEC.md, which does not exist',
      expect.stringMatching(/^src\/a\.ts:1: refers to "SPEC §"/),
      expect.stringMatching(/^src\/a\.ts:2: refers to "\/work\/shared": a path on the team's machine/),
      expect.stringMatching(/^src\/a\.ts:2: refers to "PERF-NOTES"/),
    ]);
  });
});
