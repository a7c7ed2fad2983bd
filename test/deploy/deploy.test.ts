import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Histogram } from 'prom-client';
import { parse } from 'yaml';
import { DASHBOARD_DIR, validateDashboards } from '../../deploy/checks/dashboard.js';
import { MANIFEST_DIR, validateManifests } from '../../deploy/validate.js';
import { registry } from '../../src/lib/metrics.js';

/**
 * The Kubernetes manifests validate without a cluster
 * (and the validator does reject broken ones), and the Prometheus alerts pass
 * `promtool check rules` and their own unit tests.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ALERTS = path.join(ROOT, 'deploy/prometheus/alerts.yml');
const ALERT_TESTS = path.join(ROOT, 'deploy/prometheus/alerts.test.yml');
/** Whom the original service's runbook escalates each alert to. */
const ESCALATION: Record<string, string> = {
  FinanceHighErrorRate: 'on-call-backend',
  FinanceConsumerLag: 'on-call-sre',
  FinanceOutboxLag: 'on-call-sre',
  FinancePostingFailure: 'on-call-backend',
  FinanceEventConflict: 'on-call-backend',
  FinanceMissingControlAccount: 'on-call-backend',
  FinanceAccountNegative: 'finance-ops',
};
const ALERT_NAMES = [
  'FinanceHighErrorRate',
  'FinanceConsumerLag',
  'FinanceOutboxLag',
  'FinancePostingFailure',
  'FinanceEventConflict',
  'FinanceMissingControlAccount',
  'FinanceAccountNegative',
];

describe('Kubernetes manifests (deploy/k8s)', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'sf-deploy-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('pass deploy/validate.ts: schemas, references, the deployment contract, each role environment', async () => {
    const report = await validateManifests();
    expect(report.errors).toEqual([]);
    const kinds = report.objects.map((o) => `${o.kind}/${o.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Deployment/finance',
        'Deployment/finance-worker',
        'Deployment/finance-ingest',
        'Job/finance-migrate',
        'Service/finance',
        'HorizontalPodAutoscaler/finance',
        'IngressRoute/finance',
        'NetworkPolicy/finance',
        'NetworkPolicy/finance-gateway',
        'CiliumNetworkPolicy/finance',
        'CiliumNetworkPolicy/finance-gateway',
        'ConfigMap/seller-finance-config',
        'Secret/seller-finance-secrets',
        'Namespace/seller-finance',
      ]),
    );
  });

  it('as a command, prints a summary line for the manifests and one for the dashboards, and exits 0', () => {
    const run = spawnSync('npx', ['tsx', 'deploy/validate.ts'], { cwd: ROOT, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const [manifests, dashboards, ...rest] = run.stdout.trim().split('\n');
    expect(manifests).toMatch(/^deploy: \d+ objects in \d+ files under deploy\/k8s are valid \(.+\)$/);
    expect(dashboards).toMatch(/^deploy: 1 Grafana dashboard\(s\), \d+ queries: valid$/);
    expect(rest).toEqual([]);
  });

  it('rejects a broken copy, naming file, kind, name and field of each problem', async () => {
    const dir = path.join(scratch, 'broken');
    cpSync(MANIFEST_DIR, dir, { recursive: true });
    const edit = (file: string, from: string, to: string) => {
      const text = readFileSync(path.join(dir, file), 'utf8');
      expect(text, `${file} contains ${from}`).toContain(from);
      writeFileSync(path.join(dir, file), text.replace(from, to));
    };
    edit('api.yaml', 'containerPort: 3000', "containerPort: '3000'"); // wrong type
    edit('api.yaml', 'readinessProbe:', 'readinesProbe:'); // a typo the OpenAPI schema alone accepts
    edit('worker.yaml', '          image: registry.example.com/seller-finance:0.1.0\n', ''); // no image
    edit('worker.yaml', 'name: seller-finance-secrets', 'name: seller-finance-secret'); // dangling reference
    edit('configmap.yaml', "APP_ENV_DB_POOL_SIZE: '10'", "APP_ENV_DB_POOL_SIZE: 'ten'"); // the service would refuse it

    const { errors } = await validateManifests(dir);
    const api = 'api.yaml:4 Deployment/finance: spec.template.spec.containers[0]';
    const worker = 'worker.yaml:3 Deployment/finance-worker: spec.template.spec.containers[0]';
    expect(errors).toEqual(
      expect.arrayContaining([
        `${api}.ports[0].containerPort: must be integer`,
        `${api}.readinesProbe: unknown field`,
        `${api}.readinessProbe.httpGet.path: must be /v1/api/finance/readyz`,
        `${worker}.image: missing`,
        `${worker}.env[2].valueFrom.secretKeyRef: Secret "seller-finance-secret" does not exist`,
        expect.stringMatching(/^worker\.yaml:3 .*environment for RUN_MODE=worker: APP_ENV_DB_POOL_SIZE: /),
      ]),
    );
  });

  it('rejects a Service, an autoscaler and a route that point at nothing', async () => {
    const dir = path.join(scratch, 'dangling');
    cpSync(MANIFEST_DIR, dir, { recursive: true });
    const api = path.join(dir, 'api.yaml');
    writeFileSync(
      api,
      readFileSync(api, 'utf8')
        .replace('targetPort: http', 'targetPort: metrics')
        .replace('    name: finance\n  minReplicas', '    name: financee\n  minReplicas'),
    );
    const route = path.join(dir, 'ingressroute.yaml');
    writeFileSync(route, readFileSync(route, 'utf8').replace('port: 3000', 'port: 8080'));

    const { errors } = await validateManifests(dir);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /Service\/finance: spec\.ports\[0\]\.targetPort: .* no container port "metrics"/,
        ),
        expect.stringMatching(
          /HorizontalPodAutoscaler\/finance: spec\.scaleTargetRef: Deployment "financee" does not exist/,
        ),
        expect.stringMatching(
          /IngressRoute\/finance: spec\.routes\[0\]\.services\[0\]\.port: .* no port 8080/,
        ),
      ]),
    );
  });

  /** A copy of deploy/k8s with `edits` applied (each `from` must be found). */
  function brokenCopy(name: string, edits: Array<[file: string, from: string, to: string]>): string {
    const dir = path.join(scratch, name);
    cpSync(MANIFEST_DIR, dir, { recursive: true });
    for (const [file, from, to] of edits) {
      const text = readFileSync(path.join(dir, file), 'utf8');
      expect(text, `${file} contains ${from}`).toContain(from);
      writeFileSync(path.join(dir, file), text.replace(from, to));
    }
    return dir;
  }

  it('reject network policies that miss a dependency, allow more than the dependencies, or are open', async () => {
    const kafkaRule = (indent: string, label: string) =>
      `${indent}- toEndpoints:\n${indent}    - matchLabels:\n${indent}        ${label}: kafka\n`;
    const dir = brokenCopy('network', [
      // Cilium: ingest can no longer reach Kafka
      [
        'ciliumnetworkpolicy.yaml',
        `${kafkaRule('    ', 'k8s:io.kubernetes.pod.namespace')}      toPorts:\n        - ports:\n            - port: '9092'\n              protocol: TCP\n`,
        '',
      ],
      // standard: Redis on a port nothing uses
      ['networkpolicy.yaml', '        - port: 6379', '        - port: 6380'],
      // standard: the gateway rule opened to every source
      [
        'networkpolicy.yaml',
        '  ingress:\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: traefik',
        '  ingress:\n    - from: []\n    - from:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: traefik',
      ],
      // Cilium: the world may connect
      [
        'ciliumnetworkpolicy.yaml',
        '  ingress:\n    - fromEndpoints:',
        "  ingress:\n    - fromEntities: [world]\n      toPorts:\n        - ports:\n            - port: '3000'\n    - fromEndpoints:",
      ],
    ]);
    const { errors } = await validateManifests(dir);
    expect(errors).toEqual(
      expect.arrayContaining([
        'ingest.yaml:3 Deployment/finance-ingest: needs Kafka (APP_ENV_KAFKA_BROKERS) (port 9092, namespace kafka), which no CiliumNetworkPolicy selecting it allows',
        expect.stringMatching(
          /^api\.yaml:4 Deployment\/finance: needs Redis \(APP_ENV_REDIS_URL\) \(port 6379\), which no NetworkPolicy selecting it allows$/,
        ),
        expect.stringMatching(
          /^networkpolicy\.yaml:\d+ NetworkPolicy\/finance: spec\.egress\[\d\]: allows egress \(namespace redis on 6380\) that no pod it selects needs$/,
        ),
        expect.stringMatching(
          /NetworkPolicy\/finance-gateway: spec\.ingress\[0\]: no from: allows every source$/,
        ),
        expect.stringMatching(
          /CiliumNetworkPolicy\/finance: spec\.ingress\[0\]: fromEntities: "world" is not a dependency$/,
        ),
      ]),
    );
  });

  it('follow a dependency the configuration moves: Kafka on another port is refused until the policies follow', async () => {
    const dir = brokenCopy('moved', [
      [
        'configmap.yaml',
        'kafka-bootstrap.kafka.svc.cluster.local:9092',
        'kafka-bootstrap.kafka.svc.cluster.local:9093',
      ],
    ]);
    const { errors } = await validateManifests(dir);
    for (const kind of ['NetworkPolicy', 'CiliumNetworkPolicy'])
      expect(errors).toContain(
        `ingest.yaml:3 Deployment/finance-ingest: needs Kafka (APP_ENV_KAFKA_BROKERS) (port 9093, namespace kafka), which no ${kind} selecting it allows`,
      );
  });

  it('keep the names of the original runbook and readiness out of the public route', async () => {
    const dir = brokenCopy('operations', [
      ['worker.yaml', '  name: finance-worker\n', '  name: seller-finance-worker\n'],
      ['api.yaml', 'nodePort: 31040', 'nodePort: 31041'],
      ['ingressroute.yaml', ' && !PathPrefix(`/v1/api/finance/readyz`)', ''],
    ]);
    const { errors } = await validateManifests(dir);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /Deployment\/seller-finance-worker: metadata\.name: the RUN_MODE=worker Deployment is "finance-worker"/,
        ),
        expect.stringMatching(/Service\/finance: spec\.ports: the external port 31040 must be a NodePort$/),
        expect.stringMatching(
          /IngressRoute\/finance: spec\.routes\[0\]\.match: must leave readiness out of the public route/,
        ),
      ]),
    );
  });

  it('keep placeholders, never real values, in the Secret template', () => {
    const secret = parse(readFileSync(path.join(MANIFEST_DIR, 'secret.yaml'), 'utf8')) as {
      stringData: Record<string, string>;
    };
    expect(Object.keys(secret.stringData).length).toBeGreaterThan(0);
    for (const [key, value] of Object.entries(secret.stringData)) expect(value, key).toBe('REPLACE_ME');
  });
});

describe('Grafana dashboard (deploy/grafana)', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'sf-grafana-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('type-checks as a Grafana dashboard, queries parse as PromQL, and every metric exists', () => {
    const report = validateDashboards();
    expect(report.errors).toEqual([]);
    expect(report.files).toEqual(['finance.json']);
  });

  it('shows throughput, posting latency, failures by code, consumer lag, voucher stream lag, negative balances, API rate, errors and latency', () => {
    const exprs = validateDashboards().queries.map((q) => q.expr);
    const shown = (pattern: RegExp) => exprs.some((e) => pattern.test(e));
    expect(shown(/rate\(finance_vouchers_posted_total\[/), 'throughput').toBe(true);
    expect(
      shown(/histogram_quantile\(0\.99, .*finance_posting_duration_seconds_bucket/),
      'posting latency',
    ).toBe(true);
    expect(shown(/by \(code.*finance_posting_failures_total/), 'failures by code').toBe(true);
    expect(shown(/finance_ingest_consumer_lag/), 'consumer lag').toBe(true);
    expect(shown(/^max\(finance_outbox_oldest_seconds\)$/), 'voucher stream lag').toBe(true);
    expect(shown(/by \(account_code\).*finance_account_negative_total/), 'negative balances').toBe(true);
    expect(shown(/^sum by \(status_code\) \(rate\(finance_http_requests_total/), 'API rate').toBe(true);
    expect(shown(/status_code=~"5\.\.".*\/ sum\(rate\(finance_http_requests_total/), 'API error share').toBe(
      true,
    );
    expect(
      shown(/histogram_quantile\(0\.99, .*finance_http_request_duration_seconds_bucket/),
      'API latency',
    ).toBe(true);
  });

  it('rejects a broken copy: an unknown field, a query that does not parse, a metric that does not exist', () => {
    const dir = path.join(scratch, 'broken');
    mkdirSync(dir, { recursive: true });
    const dashboard = JSON.parse(readFileSync(path.join(DASHBOARD_DIR, 'finance.json'), 'utf8')) as {
      panels: Array<Record<string, unknown> & { targets?: Array<{ expr: string }> }>;
    };
    const [first, second, third] = dashboard.panels.filter((p) => p.type !== 'row');
    first!.gridPoss = first!.gridPos; // a typo Grafana would ignore without a word
    second!.targets![0]!.expr = second!.targets![0]!.expr.replace(/\)$/, ''); // unbalanced
    third!.targets![0]!.expr = 'rate(finance_vouchers_postd_total[5m])';
    writeFileSync(path.join(dir, 'finance.json'), JSON.stringify(dashboard, null, 2));

    const { errors } = validateDashboards(dir);
    expect(errors).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^finance\.json:\d+: .*"gridPoss".* does not exist in type 'Panel.*\(@grafana\/schema Dashboard\)$/,
        ),
        expect.stringMatching(
          new RegExp(`^finance\\.json: panel ${String(second!.id)} ".+" target A: PromQL: .*parse error`),
        ),
        `finance.json: panel ${String(third!.id)} "${String(third!.title)}" target A: finance_vouchers_postd_total is not a metric of src/lib/metrics.ts`,
      ]),
    );
  });
});

describe('Prometheus alerts (deploy/prometheus)', () => {
  const promtool = (...args: string[]) => {
    const run = spawnSync('promtool', args, { cwd: ROOT, encoding: 'utf8' });
    if ((run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT')
      throw new Error(
        'promtool is not installed: run `bash infra/stack.sh install` (it installs Debian’s prometheus package, which ships promtool)',
      );
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  };

  it('pass `promtool check rules`', () => {
    const { status, output } = promtool('check', 'rules', ALERTS);
    expect(output).toContain(`SUCCESS: ${ALERT_NAMES.length} rules found`);
    expect(status).toBe(0);
  });

  it('pass their unit tests (`promtool test rules`): each alert fires when it must and only then', () => {
    const { status, output } = promtool('test', 'rules', ALERT_TESTS);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  const rules = (
    parse(readFileSync(ALERTS, 'utf8')) as {
      groups: Array<{
        rules: Array<{
          alert: string;
          expr: string;
          labels?: Record<string, string>;
          annotations?: Record<string, string>;
        }>;
      }>;
    }
  ).groups.flatMap((g) => g.rules);

  it('define the seven alerts, each with a severity, its escalation, a summary, a description and its runbook section', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([...ALERT_NAMES].sort());
    const runbook = readFileSync(path.join(ROOT, 'docs/runbook.md'), 'utf8');
    for (const rule of rules) {
      expect(['page', 'ticket'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.labels?.team, rule.alert).toBe('finance');
      expect(rule.labels?.escalation, rule.alert).toBe(ESCALATION[rule.alert]);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      expect(rule.annotations?.runbook_url, rule.alert).toBe(`docs/runbook.md#${rule.alert.toLowerCase()}`);
      expect(runbook, `docs/runbook.md has a "## ${rule.alert}" section`).toMatch(
        new RegExp(`^## ${rule.alert}$`, 'm'),
      );
    }
    // Each alert is tested: firing and not firing (promtool checks the outcomes).
    const tests = readFileSync(ALERT_TESTS, 'utf8');
    for (const name of ALERT_NAMES) {
      expect(tests, name).toMatch(new RegExp(`alertname: ${name}\\n\\s+exp_alerts: \\[\\]`));
      expect(tests, name).toMatch(new RegExp(`alertname: ${name}\\n\\s+exp_alerts:\\n`));
    }
  });

  it('use only metrics that src/lib/metrics.ts declares', () => {
    const declared = new Set(
      registry
        .getMetricsAsArray()
        .flatMap((m) =>
          m instanceof Histogram
            ? [m.name, `${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`]
            : [m.name],
        ),
    );
    const used = new Set(
      rules.flatMap((r) => [...r.expr.matchAll(/\b(finance_[a-z_]+)\b/g)].map((m) => m[1])),
    );
    expect(used.size).toBeGreaterThan(0);
    for (const metric of used) expect(declared, `${metric} is declared`).toContain(metric);
  });
});
