import { containerEnvironment } from './environment.js';
import { type ManifestObject, where } from './load.js';
import { containerHasPort, get, objects, selects, stringMap, type Workload } from './workloads.js';

/**
 * What an operator of the original service finds as its runbook says
 * (deploy/README.md maps each of its commands to ours): the api Deployment is
 * `finance` (`kubectl logs deploy/finance`, `kubectl exec -it deploy/finance`),
 * the other roles `finance-<role>`, the migration Job `finance-migrate`; the
 * Service `finance` publishes the external port 31040; the Traefik router
 * `finance` sends PathPrefix(`/v1/api/finance`) to the pods' port 3000, but
 * not the readiness path, which is for the kubelet only.
 */
export const OPERATIONS = {
  deployments: { api: 'finance', worker: 'finance-worker', ingest: 'finance-ingest' } as Record<
    string,
    string
  >,
  migrationJob: 'finance-migrate',
  service: 'finance',
  nodePort: 31040,
  containerPort: 3000,
  router: 'finance',
  routeRule: 'PathPrefix(`/v1/api/finance`)',
  hiddenFromRoute: '!PathPrefix(`/v1/api/finance/readyz`)',
};

export function checkOperations(all: ManifestObject[], workloads: Workload[]): string[] {
  const errors: string[] = [];
  const runModeOf = (workload: Workload) =>
    workload.containers
      .map(({ at, container }) => containerEnvironment(all, workload.object, at, container).RUN_MODE)
      .find(Boolean);

  for (const workload of workloads) {
    const mode = runModeOf(workload);
    const expected =
      workload.object.kind === 'Job'
        ? OPERATIONS.migrationJob
        : mode
          ? OPERATIONS.deployments[mode]
          : undefined;
    if (expected && workload.object.name !== expected)
      errors.push(
        `${where(workload.object)}: metadata.name: the RUN_MODE=${mode} ${workload.object.kind} is "${expected}" in the original runbook`,
      );
  }

  const api = workloads.find((w) => w.object.kind === 'Deployment' && runModeOf(w) === 'api');
  const service = all.find((o) => o.kind === 'Service' && o.name === OPERATIONS.service);
  if (!service)
    errors.push(`Service "${OPERATIONS.service}": missing (the api's, external port ${OPERATIONS.nodePort})`);
  else {
    if (
      !api ||
      selects({ matchLabels: stringMap(get(service.doc, 'spec', 'selector')) }, api.labels) !== true
    )
      errors.push(`${where(service)}: spec.selector: must select the api pods`);
    const published = objects(get(service.doc, 'spec', 'ports')).find(
      (p) => p.nodePort === OPERATIONS.nodePort,
    );
    if (get(service.doc, 'spec', 'type') !== 'NodePort' || !published)
      errors.push(
        `${where(service)}: spec.ports: the external port ${OPERATIONS.nodePort} must be a NodePort`,
      );
    else if (!api?.containers.some(({ container }) => containerHasPort(container, published.targetPort)))
      errors.push(
        `${where(service)}: spec.ports: ${OPERATIONS.nodePort} must lead to the api's container port`,
      );
  }
  if (api && !api.containers.some(({ container }) => containerHasPort(container, OPERATIONS.containerPort)))
    errors.push(`${where(api.object)}: the api listens on container port ${OPERATIONS.containerPort}`);

  const router = all.find((o) => o.kind === 'IngressRoute' && o.name === OPERATIONS.router);
  if (!router) errors.push(`IngressRoute "${OPERATIONS.router}": missing (the original's Traefik router)`);
  else {
    const routes = objects(get(router.doc, 'spec', 'routes'));
    routes.forEach((route, i) => {
      const match = String(route.match ?? '');
      if (!match.includes(OPERATIONS.routeRule))
        errors.push(`${where(router)}: spec.routes[${i}].match: must route ${OPERATIONS.routeRule}`);
      if (!match.includes(` && ${OPERATIONS.hiddenFromRoute}`) || /\|\|/.test(match))
        errors.push(
          `${where(router)}: spec.routes[${i}].match: must leave readiness out of the public route (… && ${OPERATIONS.hiddenFromRoute}, no ||)`,
        );
      objects(route.services).forEach((target, j) => {
        if (target.name !== OPERATIONS.service)
          errors.push(
            `${where(router)}: spec.routes[${i}].services[${j}]: must be the Service "${OPERATIONS.service}"`,
          );
      });
    });
    if (routes.length === 0) errors.push(`${where(router)}: spec.routes: none`);
  }
  return errors;
}
