/**
 * Validates the Kubernetes manifests of deploy/k8s without a cluster:
 *   1. every YAML document parses and has apiVersion, kind, metadata.name;
 *   2. it matches the Kubernetes OpenAPI schema of its kind (kubernetes-models,
 *      @kubernetes-models/traefik for the IngressRoute CRD), unknown fields included;
 *   3. every reference resolves (ConfigMaps, Secrets and their keys, the
 *      ServiceAccount, Service and PDB selectors, probe and Service ports, the
 *      HPA targets, the IngressRoute's Service, kustomization.yaml's files);
 *   4. the deployment contract holds (one image, one Deployment per role,
 *      probes, scrape annotations, resources, an unprivileged pod);
 *   5. each container's environment passes the service's own config parser;
 *   6. the network policies (standard and Cilium) allow each dependency that
 *      configuration names, and nothing else;
 *   7. the names an operator of the original service uses: Deployment
 *      `finance`, NodePort 31040, Traefik router `finance` (checks/operations.ts).
 *
 * and the Grafana dashboards of deploy/grafana (checks/dashboard.ts: the
 * dashboard model, PromQL that parses, metrics that exist).
 *
 *   npm run deploy:check            (this, then promtool on deploy/prometheus)
 *   npx tsx deploy/validate.ts [dir]
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateDashboards } from './checks/dashboard.js';
import { checkEnvironment } from './checks/environment.js';
import { loadManifests, type ManifestObject } from './checks/load.js';
import { checkNetwork } from './checks/network.js';
import { checkOperations } from './checks/operations.js';
import { checkPolicy } from './checks/policy.js';
import { checkReferences } from './checks/references.js';
import { checkSchemas } from './checks/schema.js';
import { workloadsOf } from './checks/workloads.js';

export const MANIFEST_DIR = fileURLToPath(new URL('./k8s/', import.meta.url));

export interface ValidationReport {
  dir: string;
  files: string[];
  objects: ManifestObject[];
  /** One line each: `file:line Kind/name: field.path: what is wrong`. Empty when valid. */
  errors: string[];
}

export async function validateManifests(dir: string = MANIFEST_DIR): Promise<ValidationReport> {
  const loaded = loadManifests(dir);
  const workloads = workloadsOf(loaded.objects);
  const errors = [
    ...loaded.errors,
    ...(await checkSchemas(loaded.objects)),
    ...checkReferences(loaded, workloads, dir),
    ...checkPolicy(workloads),
    ...checkEnvironment(loaded.objects, workloads),
    ...checkNetwork(loaded.objects, workloads),
    ...checkOperations(loaded.objects, workloads),
  ];
  if (loaded.objects.length === 0) errors.push(`${dir}: no manifests found`);
  return { dir, files: loaded.files, objects: loaded.objects, errors };
}

export function summarize(report: ValidationReport): string {
  const kinds = new Map<string, number>();
  for (const o of report.objects) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
  const counted = [...kinds].map(([kind, n]) => `${n} ${kind}`).join(', ');
  const where = path.relative(process.cwd(), report.dir) || '.';
  return report.errors.length === 0
    ? `deploy: ${report.objects.length} objects in ${report.files.length} files under ${where} are valid (${counted})`
    : `deploy: ${report.errors.length} problem(s) in ${where}`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = await validateManifests(process.argv[2] ? path.resolve(process.argv[2]) : MANIFEST_DIR);
  if (report.errors.length === 0) console.log(summarize(report));
  else console.error([...report.errors.map((e) => `  ✗ ${e}`), summarize(report)].join('\n'));
  const dashboards = validateDashboards();
  const dashboardSummary = `deploy: ${dashboards.files.length} Grafana dashboard(s), ${dashboards.queries.length} queries`;
  if (dashboards.errors.length === 0) console.log(`${dashboardSummary}: valid`);
  else
    console.error(
      [
        ...dashboards.errors.map((e) => `  ✗ ${e}`),
        `${dashboardSummary}: ${dashboards.errors.length} problem(s)`,
      ].join('\n'),
    );
  process.exitCode = report.errors.length === 0 && dashboards.errors.length === 0 ? 0 : 1;
}
