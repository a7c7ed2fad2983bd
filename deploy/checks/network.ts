import { ConfigError, loadConfig } from '../../src/config/index.js';
import { containerEnvironment } from './environment.js';
import { isObject, type Json, type ManifestObject, where } from './load.js';
import { containerHasPort, get, list, objects, selects, stringMap, type Workload } from './workloads.js';

/**
 * The network policies allow exactly what the service needs (the original's
 * "allow only gateway + Kafka + Postgres + Redis + identity", plus Temporal):
 *
 * 1. every pod is selected by a standard NetworkPolicy and by a
 *    CiliumNetworkPolicy that restrict both ingress and egress;
 * 2. no rule is open: no missing peers or ports, no 0.0.0.0/0, no "world";
 * 3. each dependency a pod's own configuration points at (parsed by
 *    src/config from its resolved environment) is reachable: DNS, Kafka,
 *    Temporal, PostgreSQL, Redis, the identity provider's JWKS;
 * 4. nothing else is: every egress rule serves a dependency of a pod it selects;
 * 5. ingress comes only from the gateway (to the api) and from Prometheus, on a
 *    port the pods listen on.
 */

/** Where the gateway (Traefik) and Prometheus run; the manifests name the same namespaces. */
export const GATEWAY_NAMESPACE = 'traefik';
export const MONITORING_NAMESPACE = 'monitoring';
const DNS = { namespace: 'kube-system', port: 53 };

const K8S_NAMESPACE_LABEL = 'kubernetes.io/metadata.name';
const CILIUM_NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';

interface Dependency {
  what: string;
  port: number;
  /** In-cluster (`<service>.<namespace>.svc...`): the namespace it runs in. */
  namespace?: string;
  /** Outside the cluster: its host name (a standard policy can only name its addresses). */
  host?: string;
}

/** One egress or ingress rule of either kind, reduced to what is compared here. */
interface Rule {
  policy: ManifestObject;
  at: string;
  namespaces: string[];
  hosts: string[];
  /** CIDR peers (standard ipBlock, Cilium toCIDR/toCIDRSet). */
  cidrs: string[];
  ports: number[];
}

export function checkNetwork(all: ManifestObject[], workloads: Workload[]): string[] {
  const errors: string[] = [];
  const standard = all.filter((o) => o.kind === 'NetworkPolicy');
  const cilium = all.filter((o) => o.kind === 'CiliumNetworkPolicy');
  const selectedBy = (policy: ManifestObject, selector: unknown) =>
    workloads.filter((w) => w.object.namespace === policy.namespace && selects(selector, w.labels) === true);

  const rules = {
    ingress: [] as Array<Rule & { pods: Workload[] }>,
    egress: [] as Array<Rule & { pods: Workload[] }>,
  };
  for (const policy of standard) {
    const pods = selectedBy(policy, get(policy.doc, 'spec', 'podSelector'));
    if (pods.length === 0)
      errors.push(`${where(policy)}: spec.podSelector: selects no pods of these manifests`);
    const types = list(get(policy.doc, 'spec', 'policyTypes'));
    for (const [direction, peers] of [
      ['ingress', 'from'],
      ['egress', 'to'],
    ] as const) {
      objects(get(policy.doc, 'spec', direction)).forEach((rule, i) => {
        const at = `spec.${direction}[${i}]`;
        if (!types.includes(direction === 'ingress' ? 'Ingress' : 'Egress'))
          errors.push(
            `${where(policy)}: spec.policyTypes: has ${direction} rules but no ${direction === 'ingress' ? 'Ingress' : 'Egress'}`,
          );
        errors.push(...openStandardRule(policy, at, rule, peers));
        rules[direction].push({ ...standardRule(policy, at, rule, peers), pods });
      });
    }
  }
  for (const policy of cilium) {
    const pods = selectedBy(policy, get(policy.doc, 'spec', 'endpointSelector'));
    if (pods.length === 0)
      errors.push(`${where(policy)}: spec.endpointSelector: selects no pods of these manifests`);
    for (const direction of ['ingress', 'egress'] as const) {
      objects(get(policy.doc, 'spec', direction)).forEach((rule, i) => {
        const at = `spec.${direction}[${i}]`;
        errors.push(...openCiliumRule(policy, at, rule, direction));
        rules[direction].push({ ...ciliumRule(policy, at, rule, direction), pods });
      });
    }
  }

  // 1. every pod restricted both ways, by both kinds
  for (const workload of workloads) {
    const restricts = (kind: string, direction: 'Ingress' | 'Egress') =>
      (kind === 'NetworkPolicy' ? standard : cilium).some((policy) => {
        const selector = get(
          policy.doc,
          'spec',
          kind === 'NetworkPolicy' ? 'podSelector' : 'endpointSelector',
        );
        if (selects(selector, workload.labels) !== true || policy.namespace !== workload.object.namespace)
          return false;
        return kind === 'NetworkPolicy'
          ? list(get(policy.doc, 'spec', 'policyTypes')).includes(direction)
          : get(policy.doc, 'spec', direction.toLowerCase()) !== undefined;
      });
    for (const kind of ['NetworkPolicy', 'CiliumNetworkPolicy'])
      for (const direction of ['Ingress', 'Egress'] as const)
        if (!restricts(kind, direction))
          errors.push(`${where(workload.object)}: no ${kind} restricts its pods' ${direction.toLowerCase()}`);
  }

  // 3. each pod reaches what its configuration needs, through each kind
  const needs = new Map(workloads.map((w) => [w, dependenciesOf(all, w)]));
  for (const [workload, dependencies] of needs) {
    for (const dependency of dependencies) {
      for (const kind of ['NetworkPolicy', 'CiliumNetworkPolicy']) {
        const allowed = rules.egress.some(
          (rule) => rule.policy.kind === kind && rule.pods.includes(workload) && serves(rule, dependency),
        );
        if (!allowed)
          errors.push(
            `${where(workload.object)}: needs ${dependency.what} (port ${dependency.port}${dependency.namespace ? `, namespace ${dependency.namespace}` : dependency.host ? `, host ${dependency.host}` : ''}), which no ${kind} selecting it allows`,
          );
      }
    }
  }

  // 4. and nothing else
  for (const rule of rules.egress) {
    const useful = rule.pods.some((pod) => needs.get(pod)!.some((dependency) => serves(rule, dependency)));
    if (!useful)
      errors.push(
        `${where(rule.policy)}: ${rule.at}: allows egress (${describe(rule)}) that no pod it selects needs`,
      );
  }

  // 5. ingress: the gateway to the api, Prometheus to every pod, on a port they listen on
  for (const rule of rules.ingress) {
    for (const namespace of rule.namespaces) {
      const servesTraffic = rule.pods.every((pod) => isApi(all, pod));
      if (namespace === GATEWAY_NAMESPACE ? !servesTraffic : namespace !== MONITORING_NAMESPACE)
        errors.push(
          `${where(rule.policy)}: ${rule.at}: admits namespace ${namespace}; only the gateway (${GATEWAY_NAMESPACE}, to the api) and Prometheus (${MONITORING_NAMESPACE}) may connect`,
        );
    }
    if (rule.cidrs.length > 0 || rule.hosts.length > 0)
      errors.push(
        `${where(rule.policy)}: ${rule.at}: admits addresses; name the gateway's namespace instead`,
      );
    for (const port of rule.ports)
      if (!rule.pods.some((pod) => pod.containers.some(({ container }) => containerHasPort(container, port))))
        errors.push(`${where(rule.policy)}: ${rule.at}: port ${port} is not a port of the pods it selects`);
  }
  return errors;
}

function isApi(all: ManifestObject[], workload: Workload): boolean {
  return workload.containers.some(
    ({ at, container }) => containerEnvironment(all, workload.object, at, container).RUN_MODE === 'api',
  );
}

/** What a pod's configuration points at: parsed by src/config from its resolved environment. */
function dependenciesOf(all: ManifestObject[], workload: Workload): Dependency[] {
  const found: Dependency[] = [];
  for (const { at, container } of workload.containers) {
    let config;
    try {
      config = loadConfig(containerEnvironment(all, workload.object, at, container));
    } catch (err) {
      if (err instanceof ConfigError) continue; // reported by checkEnvironment
      throw err;
    }
    const add = (what: string, address: string, defaultPort: number) => {
      const url = new URL(address.includes('://') ? address : `tcp://${address}`);
      const port = Number(url.port || defaultPort);
      const inCluster = /^[^.]+\.([^.]+)\.svc(\.|$)/.exec(url.hostname);
      // A secret's stand-in (environment.ts) says nothing of where the real one is: its port must do.
      if (url.hostname.endsWith('.invalid')) found.push({ what, port });
      else
        found.push(inCluster ? { what, port, namespace: inCluster[1] } : { what, port, host: url.hostname });
    };
    found.push({ what: 'DNS', ...DNS });
    if (config.db) add('PostgreSQL (APP_ENV_DB_URL)', config.db.url, 5432);
    if (config.redis) add('Redis (APP_ENV_REDIS_URL)', config.redis.url, 6379);
    if (config.temporal) add('Temporal (APP_ENV_TEMPORAL_ADDRESS)', config.temporal.address, 7233);
    for (const broker of config.kafka?.brokers ?? []) add('Kafka (APP_ENV_KAFKA_BROKERS)', broker, 9092);
    if (config.http) add('the identity provider (APP_ENV_JWKS_URL)', config.http.jwksUrl, 443);
  }
  return found;
}

/**
 * Whether a rule lets a pod reach the dependency. Secret URLs (PostgreSQL,
 * Redis) are not in the repository, so only their port is known: any peer on
 * that port serves them. A host outside the cluster is reached through a
 * CIDR (standard) or its name (Cilium).
 */
function serves(rule: Rule, dependency: Dependency): boolean {
  if (!rule.ports.includes(dependency.port)) return false;
  if (dependency.namespace) return rule.namespaces.includes(dependency.namespace);
  if (dependency.host)
    return rule.policy.kind === 'NetworkPolicy'
      ? rule.cidrs.length > 0
      : rule.hosts.includes(dependency.host);
  return true;
}

function describe(rule: Rule): string {
  const peers = [...rule.namespaces.map((n) => `namespace ${n}`), ...rule.hosts, ...rule.cidrs];
  return `${peers.join(', ') || 'anywhere'} on ${rule.ports.join(', ') || 'any port'}`;
}

function standardRule(policy: ManifestObject, at: string, rule: Json, peersKey: 'from' | 'to'): Rule {
  const peers = objects(rule[peersKey]);
  return {
    policy,
    at,
    namespaces: peers.flatMap((p) => {
      const ns = stringMap(get(p, 'namespaceSelector', 'matchLabels'))[K8S_NAMESPACE_LABEL];
      return ns ? [ns] : [];
    }),
    hosts: [],
    cidrs: peers.flatMap((p) =>
      typeof get(p, 'ipBlock', 'cidr') === 'string' ? [String(get(p, 'ipBlock', 'cidr'))] : [],
    ),
    ports: objects(rule.ports).map((p) => Number(p.port)),
  };
}

function ciliumRule(policy: ManifestObject, at: string, rule: Json, direction: 'ingress' | 'egress'): Rule {
  const endpoints = objects(rule[direction === 'ingress' ? 'fromEndpoints' : 'toEndpoints']);
  return {
    policy,
    at,
    namespaces: endpoints.flatMap((e) => {
      const ns = stringMap(e.matchLabels)[CILIUM_NAMESPACE_LABEL];
      return ns ? [ns] : [];
    }),
    hosts: objects(rule.toFQDNs).flatMap((f) => (typeof f.matchName === 'string' ? [f.matchName] : [])),
    cidrs: [
      ...list(rule[direction === 'ingress' ? 'fromCIDR' : 'toCIDR']).map(String),
      ...objects(rule[direction === 'ingress' ? 'fromCIDRSet' : 'toCIDRSet']).map((c) => String(c.cidr)),
    ],
    ports: objects(rule.toPorts).flatMap((tp) => objects(tp.ports).map((p) => Number(p.port))),
  };
}

const OPEN_CIDRS = new Set(['0.0.0.0/0', '::/0']);

function openStandardRule(policy: ManifestObject, at: string, rule: Json, peersKey: 'from' | 'to'): string[] {
  const fail = (message: string) => `${where(policy)}: ${at}: ${message}`;
  const errors: string[] = [];
  const peers = objects(rule[peersKey]);
  if (peers.length === 0)
    errors.push(fail(`no ${peersKey}: allows every ${peersKey === 'from' ? 'source' : 'destination'}`));
  if (objects(rule.ports).length === 0) errors.push(fail('no ports: allows every port'));
  peers.forEach((peer, i) => {
    if (OPEN_CIDRS.has(String(get(peer, 'ipBlock', 'cidr'))))
      errors.push(fail(`${peersKey}[${i}].ipBlock: allows every address`));
    const ns = get(peer, 'namespaceSelector');
    if (
      isObject(ns) &&
      Object.keys(stringMap(ns.matchLabels)).length === 0 &&
      list(ns.matchExpressions).length === 0
    )
      errors.push(fail(`${peersKey}[${i}].namespaceSelector: empty, so every namespace`));
  });
  return errors;
}

function openCiliumRule(
  policy: ManifestObject,
  at: string,
  rule: Json,
  direction: 'ingress' | 'egress',
): string[] {
  const fail = (message: string) => `${where(policy)}: ${at}: ${message}`;
  const errors: string[] = [];
  const entities = list(rule[direction === 'ingress' ? 'fromEntities' : 'toEntities']).map(String);
  for (const entity of entities.filter((e) => ['world', 'all', 'cluster'].includes(e)))
    errors.push(
      fail(`${direction === 'ingress' ? 'fromEntities' : 'toEntities'}: "${entity}" is not a dependency`),
    );
  const cilium = ciliumRule(policy, at, rule, direction);
  for (const cidr of cilium.cidrs.filter((c) => OPEN_CIDRS.has(c)))
    errors.push(fail(`${cidr}: allows every address`));
  const endpoints = objects(rule[direction === 'ingress' ? 'fromEndpoints' : 'toEndpoints']);
  endpoints.forEach((e, i) => {
    if (Object.keys(stringMap(e.matchLabels)).length === 0 && list(e.matchExpressions).length === 0)
      errors.push(
        fail(`${direction === 'ingress' ? 'fromEndpoints' : 'toEndpoints'}[${i}]: empty, so every endpoint`),
      );
  });
  if (endpoints.length + cilium.hosts.length + cilium.cidrs.length + entities.length === 0)
    errors.push(fail(`no peers: allows every ${direction === 'ingress' ? 'source' : 'destination'}`));
  if (cilium.ports.length === 0) errors.push(fail('no toPorts: allows every port'));
  return errors;
}
