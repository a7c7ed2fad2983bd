import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { stringify } from 'yaml';
import { Histogram } from 'prom-client';
import { registry } from '../../src/lib/metrics.js';
import { isObject, type Json } from './load.js';
import { objects } from './workloads.js';

/**
 * The Grafana dashboards under deploy/grafana, without a Grafana:
 *   1. each file is JSON that type-checks as a dashboard model against
 *      `@grafana/schema` (Grafana's own generated types: field types, enums,
 *      and unknown fields through TypeScript's excess-property check);
 *   2. every panel queries Prometheus through the `${datasource}` variable;
 *   3. every query parses as PromQL: promtool (installed with the stack)
 *      checks them as recording rules, Grafana's `$__…` intervals replaced;
 *   4. every `finance_*` series a query reads is one that src/lib/metrics.ts
 *      registers (a histogram's `_bucket`, `_sum`, `_count` included).
 */

export const DASHBOARD_DIR = fileURLToPath(new URL('../grafana/', import.meta.url));
const HERE = path.dirname(fileURLToPath(import.meta.url));
const GRAFANA_INTERVALS = /\$__(rate_interval|interval|range)\b/g;

export interface DashboardQuery {
  file: string;
  /** `panel <id> "<title>" target <refId>` */
  at: string;
  expr: string;
}

export interface DashboardReport {
  files: string[];
  queries: DashboardQuery[];
  errors: string[];
}

export function validateDashboards(dir: string = DASHBOARD_DIR): DashboardReport {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const errors: string[] = [];
  const queries: DashboardQuery[] = [];
  const parsed: Array<{ file: string; text: string }> = [];
  for (const file of files) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (err) {
      errors.push(`${file}: not JSON: ${(err as Error).message}`);
      continue;
    }
    if (!isObject(doc)) {
      errors.push(`${file}: a dashboard must be a JSON object`);
      continue;
    }
    parsed.push({ file, text });
    for (const panel of panelsOf(doc)) {
      const at = `panel ${String(panel.id)} "${String(panel.title)}"`;
      if (panel.type === 'row') continue;
      if (!usesDatasourceVariable(panel.datasource))
        errors.push(`${file}: ${at}: datasource must be { type: "prometheus", uid: "\${datasource}" }`);
      const targets = objects(panel.targets);
      if (targets.length === 0) errors.push(`${file}: ${at}: no query`);
      for (const target of targets) {
        const where = `${at} target ${String(target.refId)}`;
        if (target.datasource !== undefined && !usesDatasourceVariable(target.datasource))
          errors.push(`${file}: ${where}: datasource must be the \${datasource} variable`);
        if (typeof target.expr !== 'string' || target.expr.trim() === '')
          errors.push(`${file}: ${where}: no PromQL expression (expr)`);
        else queries.push({ file, at: where, expr: target.expr });
      }
    }
  }
  if (files.length === 0) errors.push(`${dir}: no dashboards found`);
  errors.push(...typeCheck(parsed), ...checkPromQL(queries), ...checkMetricNames(queries));
  return { files, queries, errors };
}

function panelsOf(doc: Json): Json[] {
  return objects(doc.panels).flatMap((p) => [p, ...objects(p.panels)]);
}

function usesDatasourceVariable(ref: unknown): boolean {
  return isObject(ref) && ref.type === 'prometheus' && ref.uid === '${datasource}';
}

/** Each dashboard as the initializer of a `Dashboard`-typed constant, checked by the TypeScript compiler. */
function typeCheck(dashboards: Array<{ file: string; text: string }>): string[] {
  if (dashboards.length === 0) return [];
  const prefix = "import type { Dashboard } from '@grafana/schema';\nexport const dashboard: Dashboard = ";
  const virtual = new Map(
    dashboards.map(({ file, text }) => [
      path.join(HERE, `__dashboard_${file}.ts`),
      { file, text: prefix + text },
    ]),
  );
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    types: [],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  };
  const host = ts.createCompilerHost(options);
  const readSource = host.getSourceFile.bind(host);
  const exists = host.fileExists.bind(host);
  host.fileExists = (f) => virtual.has(f) || exists(f);
  host.getSourceFile = (f, language, ...rest) => {
    const v = virtual.get(f);
    return v ? ts.createSourceFile(f, v.text, language) : readSource(f, language, ...rest);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  const errors: string[] = [];
  for (const [name, { file }] of virtual) {
    const source = program.getSourceFile(name)!;
    for (const d of ts.getPreEmitDiagnostics(program, source)) {
      const line = d.start === undefined ? 0 : source.getLineAndCharacterOfPosition(d.start).line;
      // The JSON starts on the second line of the virtual file.
      errors.push(
        `${file}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')} (@grafana/schema Dashboard)`,
      );
    }
  }
  return errors;
}

/** The queries as recording rules, which `promtool check rules` parses. */
function checkPromQL(queries: DashboardQuery[]): string[] {
  if (queries.length === 0) return [];
  const dir = mkdtempSync(path.join(tmpdir(), 'sf-dashboard-'));
  try {
    const rulesFile = path.join(dir, 'dashboard-queries.yml');
    const rules = queries.map((q, i) => ({
      record: `dashboard:query_${i}`,
      expr: q.expr.replace(GRAFANA_INTERVALS, '5m'),
    }));
    writeFileSync(rulesFile, stringify({ groups: [{ name: 'dashboard', rules }] }));
    const run = spawnSync('promtool', ['check', 'rules', rulesFile], { encoding: 'utf8' });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
      return [
        'promtool is not installed: run `bash infra/stack.sh install` (Debian’s prometheus package ships it)',
      ];
    if (run.status === 0) return [];
    const output = `${run.stdout}${run.stderr}`;
    const errors: string[] = [];
    // promtool names each bad rule by its position in the group: "group "dashboard", rule 3, "dashboard:query_2": …"
    for (const m of output.matchAll(/"dashboard:query_(\d+)": (.+)/g)) {
      const q = queries[Number(m[1])]!;
      errors.push(`${q.file}: ${q.at}: PromQL: ${m[2]}`);
    }
    return errors.length > 0 ? errors : [`promtool check rules failed on the dashboard queries:\n${output}`];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkMetricNames(queries: DashboardQuery[]): string[] {
  const registered = new Set(
    registry.getMetricsAsArray().flatMap((m) => {
      const name = m.name;
      return m instanceof Histogram ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
    }),
  );
  const errors: string[] = [];
  for (const q of queries) {
    const used = [...q.expr.matchAll(/\b(finance_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
    if (used.length === 0) errors.push(`${q.file}: ${q.at}: reads no finance_* series`);
    for (const name of new Set(used))
      if (!registered.has(name))
        errors.push(`${q.file}: ${q.at}: ${name} is not a metric of src/lib/metrics.ts`);
  }
  return errors;
}
