import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The repository stands alone: someone who clones only this repository must
 * find everything it refers to. This check (part of `npm run lint`) fails on
 * any reference to a file beside the repository or on this team's machines,
 * on the names of the team's private notes, and on a relative Markdown link
 * whose target does not exist. Cite docs/reference/ for the contract instead.
 */
export interface Finding {
  file: string;
  line: number;
  problem: string;
}

const OUTSIDE: { pattern: RegExp; why: string }[] = [
  { pattern: /(?:\.\.\/)+shared\b/, why: 'a directory beside the repository' },
  { pattern: /\/work\/(?:shared|main|team|wt)\b/, why: "a path on the team's machine" },
  {
    pattern: /\b(?:SPEC\.md|SPEC §|PERF-NOTES|INGEST-NOTES|STYLE\.md|STYLE pattern)/,
    why: 'a note kept outside the repository (cite docs/reference/ instead)',
  },
];

/** Files allowed to keep a match, and why. */
const ALLOWED: { file: string; pattern: RegExp; why: string }[] = [
  {
    file: 'prisma/migrations/20261126005000_api_manual_requests_and_roles/migration.sql',
    pattern: /SPEC §8/,
    why: 'an applied migration never changes (its checksum is verified); docs/reference/README.md maps the section',
  },
  {
    file: 'docs/reference/README.md',
    pattern: /SPEC §/,
    why: 'explains the section numbers older citations use',
  },
];

/** This check and its test quote what they look for. */
const SELF = new Set(['infra/check-standalone.ts', 'test/repo/standalone.test.ts']);
const ALWAYS_SKIPPED = new Set(['.git']);

/** Directories .gitignore names as plain paths (`node_modules/`, `src/generated/`): never part of a clone. */
function ignoredDirs(root: string): string[] {
  const gitignore = join(root, '.gitignore');
  if (!existsSync(gitignore)) return [];
  return readFileSync(gitignore, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#') && !/[*?[!]/.test(l))
    .map((l) => l.replace(/^\//, '').replace(/\/$/, ''));
}

function repositoryFiles(root: string): string[] {
  const ignored = ignoredDirs(root);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const rel = relative(root, path).split(sep).join('/');
      if (ALWAYS_SKIPPED.has(name) || ignored.includes(rel)) continue;
      if (statSync(path).isDirectory()) walk(path);
      else files.push(rel);
    }
  };
  walk(root);
  return files.sort();
}

const MARKDOWN_LINK = /\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g;

function brokenLinks(root: string, file: string, line: string): string[] {
  const problems: string[] = [];
  for (const [, target] of line.matchAll(MARKDOWN_LINK)) {
    if (!target || /^(?:[a-z]+:|#)/i.test(target)) continue;
    const path = decodeURI(target.split('#')[0]!.split('?')[0]!);
    if (!existsSync(resolve(root, dirname(file), path)))
      problems.push(`links to ${target}, which does not exist`);
  }
  return problems;
}

export function findOutsideReferences(root: string): Finding[] {
  const findings: Finding[] = [];
  for (const file of repositoryFiles(root)) {
    if (SELF.has(file)) continue;
    const bytes = readFileSync(join(root, file));
    if (bytes.includes(0)) continue;
    const lines = bytes.toString('utf8').split('\n');
    lines.forEach((text, i) => {
      const problems = OUTSIDE.filter(
        ({ pattern }) => pattern.test(text) && !ALLOWED.some((a) => a.file === file && a.pattern.test(text)),
      ).map(({ pattern, why }) => `refers to "${pattern.exec(text)![0]}": ${why}`);
      if (file.endsWith('.md')) problems.push(...brokenLinks(root, file, text));
      for (const problem of problems) findings.push({ file, line: i + 1, problem });
    });
  }
  return findings;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const findings = findOutsideReferences(root);
  for (const f of findings) console.error(`${f.file}:${f.line}: ${f.problem}`);
  if (findings.length > 0) {
    console.error(`\n${findings.length} reference(s) to something a clone of this repository does not have.`);
    process.exit(1);
  }
  console.log('standalone: every reference resolves inside the repository');
}
