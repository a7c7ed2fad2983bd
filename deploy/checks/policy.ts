import { type ManifestObject, where } from './load.js';
import { containerHasPort, get, objects, selects, type Workload } from './workloads.js';

/**
 * The deployment contract of this service (deploy/README.md): one
 * image for every role, RUN_MODE picks the role, every long-running role
 * answers the same probes and scrape on its port, and every pod runs
 * unprivileged with bounded resources.
 */
const HEALTH_PATH = '/v1/api/finance/healthz';
const READY_PATH = '/v1/api/finance/readyz';
const METRICS_PATH = '/metrics';
/** src/main.ts gives in-flight work this long after SIGTERM before it exits. */
const SERVICE_DRAIN_SECONDS = 30;
const LONG_RUNNING_ROLES = ['api', 'worker', 'ingest'];

export function checkPolicy(workloads: Workload[]): string[] {
  const errors: string[] = [];
  const images = new Map<string, ManifestObject>();
  const roles = new Map<string, ManifestObject[]>();

  for (const workload of workloads) {
    const { object, at, pod, containers } = workload;
    const fail = (path: string, message: string) => errors.push(`${where(object)}: ${path}: ${message}`);

    if (pod.securityContext === undefined) fail(`${at}.securityContext`, 'missing');
    if (typeof get(pod, 'securityContext', 'runAsUser') !== 'number')
      fail(
        `${at}.securityContext.runAsUser`,
        "missing: the image's USER is a name (node), which the kubelet cannot verify as non-root",
      );

    for (const { at: atC, container } of containers) {
      const image = container.image;
      if (typeof image !== 'string' || image === '') fail(`${atC}.image`, 'missing');
      else images.set(image, images.get(image) ?? object);

      for (const field of ['requests', 'limits'])
        for (const resource of ['cpu', 'memory'])
          if (get(container, 'resources', field, resource) === undefined)
            fail(`${atC}.resources.${field}.${resource}`, 'missing');

      const pick = (key: string) =>
        get(container, 'securityContext', key) ?? get(pod, 'securityContext', key);
      if (pick('runAsNonRoot') !== true) fail(`${atC}.securityContext.runAsNonRoot`, 'must be true');
      if (get(pick('seccompProfile'), 'type') !== 'RuntimeDefault')
        fail(`${atC}.securityContext.seccompProfile.type`, 'must be RuntimeDefault');
      if (get(container, 'securityContext', 'allowPrivilegeEscalation') !== false)
        fail(`${atC}.securityContext.allowPrivilegeEscalation`, 'must be false');
      if (get(container, 'securityContext', 'readOnlyRootFilesystem') !== true)
        fail(
          `${atC}.securityContext.readOnlyRootFilesystem`,
          'must be true (mount an emptyDir where it writes)',
        );
      const dropped = get(container, 'securityContext', 'capabilities', 'drop');
      if (!Array.isArray(dropped) || !dropped.includes('ALL'))
        fail(`${atC}.securityContext.capabilities.drop`, 'must include ALL');

      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        const handler = get(container, probe);
        const port =
          get(handler, 'httpGet', 'port') ??
          get(handler, 'tcpSocket', 'port') ??
          get(handler, 'grpc', 'port');
        if (handler !== undefined && !containerHasPort(container, port))
          fail(`${atC}.${probe}`, `port ${JSON.stringify(port)} is not a port of this container`);
      }

      const runMode = objects(container.env).find((e) => e.name === 'RUN_MODE')?.value;
      if (object.kind === 'Job') {
        if (runMode !== 'migrate')
          fail(`${atC}.env`, 'a Job here is the migration: RUN_MODE must be "migrate"');
        continue;
      }
      if (object.kind !== 'Deployment') continue;
      if (typeof runMode !== 'string' || !LONG_RUNNING_ROLES.includes(runMode)) {
        fail(
          `${atC}.env`,
          `RUN_MODE must be one of ${LONG_RUNNING_ROLES.join(', ')} (one role per Deployment)`,
        );
        continue;
      }
      roles.set(runMode, [...(roles.get(runMode) ?? []), object]);
      if (get(container, 'livenessProbe', 'httpGet', 'path') !== HEALTH_PATH)
        fail(`${atC}.livenessProbe.httpGet.path`, `must be ${HEALTH_PATH}`);
      if (get(container, 'readinessProbe', 'httpGet', 'path') !== READY_PATH)
        fail(`${atC}.readinessProbe.httpGet.path`, `must be ${READY_PATH}`);
    }

    if (object.kind === 'Deployment') {
      if (selects(get(object.doc, 'spec', 'selector'), workload.labels) !== true)
        fail('spec.selector', 'does not match the pod template labels (matchLabels)');
      const grace = pod.terminationGracePeriodSeconds;
      if (typeof grace !== 'number' || grace <= SERVICE_DRAIN_SECONDS)
        fail(
          `${at}.terminationGracePeriodSeconds`,
          `must exceed the service's ${SERVICE_DRAIN_SECONDS} s drain, or pods are killed mid-drain`,
        );
      checkScrapeAnnotations(workload, fail);
    }
  }

  if (images.size > 1)
    errors.push(
      `one image for every role (the migration too), found: ${[...images].map(([image, o]) => `${image} (${where(o)})`).join(', ')}`,
    );
  for (const role of LONG_RUNNING_ROLES) {
    const found = roles.get(role) ?? [];
    if (found.length !== 1)
      errors.push(
        `RUN_MODE=${role}: expected exactly one Deployment, found ${found.length}${found.length ? ` (${found.map(where).join(', ')})` : ''}`,
      );
  }
  if (!workloads.some((w) => w.object.kind === 'Job'))
    errors.push('RUN_MODE=migrate: no Job runs the migrations before the rollout');
  return errors;
}

function checkScrapeAnnotations(
  { at, annotations, containers }: Workload,
  fail: (path: string, m: string) => void,
) {
  const atA = at.replace(/\.spec$/, '.metadata.annotations');
  if (annotations['prometheus.io/scrape'] !== 'true')
    fail(`${atA}["prometheus.io/scrape"]`, 'must be "true"');
  if (annotations['prometheus.io/path'] !== METRICS_PATH)
    fail(`${atA}["prometheus.io/path"]`, `must be ${METRICS_PATH}`);
  const port = Number(annotations['prometheus.io/port']);
  if (!containers.some(({ container }) => containerHasPort(container, port)))
    fail(`${atA}["prometheus.io/port"]`, 'must be a container port of the pod');
}
