import { existsSync } from 'node:fs';
import path from 'node:path';
import { isObject, KUSTOMIZATION_FILE, type LoadedManifests, type ManifestObject, where } from './load.js';
import { containerHasPort, get, list, objects, selects, stringMap, type Workload } from './workloads.js';

/**
 * What the API server does not check at apply time but a rollout needs: every
 * name one object gives to another resolves to an object in these manifests.
 */
export function checkReferences(loaded: LoadedManifests, workloads: Workload[], dir: string): string[] {
  const errors: string[] = [];
  const { objects: all } = loaded;
  const find = (kind: string, name: unknown, namespace: string | undefined) =>
    all.find((o) => o.kind === kind && o.name === name && o.namespace === namespace);

  // ---- namespaces and duplicates
  const namespaces = new Set(all.filter((o) => o.kind === 'Namespace').map((o) => o.name));
  const seen = new Map<string, ManifestObject>();
  for (const object of all) {
    if (object.kind !== 'Namespace') {
      if (!object.namespace) errors.push(`${where(object)}: metadata.namespace: missing`);
      else if (!namespaces.has(object.namespace))
        errors.push(
          `${where(object)}: metadata.namespace: no Namespace "${object.namespace}" in these manifests`,
        );
    }
    const key = `${object.apiVersion} ${object.kind} ${object.namespace ?? ''}/${object.name}`;
    const first = seen.get(key);
    if (first) errors.push(`${where(object)}: duplicate of ${where(first)}`);
    else seen.set(key, object);
  }

  // ---- what pods refer to: ConfigMaps, Secrets and their keys, volumes, service account
  const keysOf = (object: ManifestObject) =>
    new Set([...Object.keys(stringMap(object.doc.data)), ...Object.keys(stringMap(object.doc.stringData))]);
  for (const { object, at, pod, containers } of workloads) {
    const ns = object.namespace;
    const ref = (kind: 'ConfigMap' | 'Secret', ref: unknown, atRef: string, key?: unknown) => {
      const name = get(ref, 'name');
      if (get(ref, 'optional') === true) return;
      const target = find(kind, name, ns);
      if (!target) errors.push(`${where(object)}: ${atRef}: ${kind} "${String(name)}" does not exist`);
      else if (key !== undefined && !keysOf(target).has(String(key)))
        errors.push(`${where(object)}: ${atRef}: ${kind} "${String(name)}" has no key "${String(key)}"`);
    };
    for (const { at: atC, container } of containers) {
      objects(container.envFrom).forEach((source, i) => {
        if (source.configMapRef) ref('ConfigMap', source.configMapRef, `${atC}.envFrom[${i}].configMapRef`);
        if (source.secretRef) ref('Secret', source.secretRef, `${atC}.envFrom[${i}].secretRef`);
      });
      objects(container.env).forEach((variable, i) => {
        const cm = get(variable, 'valueFrom', 'configMapKeyRef');
        const secret = get(variable, 'valueFrom', 'secretKeyRef');
        const atV = `${atC}.env[${i}]`;
        if (cm) ref('ConfigMap', cm, `${atV}.valueFrom.configMapKeyRef`, get(cm, 'key'));
        if (secret) ref('Secret', secret, `${atV}.valueFrom.secretKeyRef`, get(secret, 'key'));
      });
      const volumeNames = new Set(objects(pod.volumes).map((v) => v.name));
      objects(container.volumeMounts).forEach((mount, i) => {
        if (!volumeNames.has(mount.name))
          errors.push(
            `${where(object)}: ${atC}.volumeMounts[${i}]: no volume "${String(mount.name)}" in the pod`,
          );
      });
    }
    objects(pod.volumes).forEach((volume, i) => {
      if (volume.configMap) ref('ConfigMap', volume.configMap, `${at}.volumes[${i}].configMap`);
      if (isObject(volume.secret))
        ref(
          'Secret',
          { name: volume.secret.secretName, optional: volume.secret.optional },
          `${at}.volumes[${i}].secret`,
        );
    });
    const account = pod.serviceAccountName;
    if (typeof account === 'string' && account !== 'default' && !find('ServiceAccount', account, ns))
      errors.push(`${where(object)}: ${at}.serviceAccountName: ServiceAccount "${account}" does not exist`);
  }

  // ---- what selects pods: Services, PodDisruptionBudgets
  const podsSelectedBy = (object: ManifestObject, selector: unknown, atSel: string): Workload[] => {
    const matched: Workload[] = [];
    for (const workload of workloads.filter((w) => w.object.namespace === object.namespace)) {
      const result = selects(selector, workload.labels);
      if (result === 'unsupported') {
        errors.push(`${where(object)}: ${atSel}: matchExpressions are not checked here; use matchLabels`);
        return [];
      }
      if (result) matched.push(workload);
    }
    if (matched.length === 0) errors.push(`${where(object)}: ${atSel}: selects no pods of these manifests`);
    return matched;
  };
  for (const service of all.filter((o) => o.kind === 'Service')) {
    const selector = stringMap(get(service.doc, 'spec', 'selector'));
    const pods = podsSelectedBy(service, { matchLabels: selector }, 'spec.selector');
    objects(get(service.doc, 'spec', 'ports')).forEach((port, i) => {
      const target = port.targetPort ?? port.port;
      for (const pod of pods) {
        if (!pod.containers.some(({ container }) => containerHasPort(container, target)))
          errors.push(
            `${where(service)}: spec.ports[${i}].targetPort: ${where(pod.object)} declares no container port ${JSON.stringify(target)}`,
          );
      }
    });
  }
  for (const pdb of all.filter((o) => o.kind === 'PodDisruptionBudget')) {
    podsSelectedBy(pdb, get(pdb.doc, 'spec', 'selector'), 'spec.selector');
  }

  // ---- what names a workload or a Service: autoscalers, Traefik routes
  for (const hpa of all.filter((o) => o.kind === 'HorizontalPodAutoscaler')) {
    const target = get(hpa.doc, 'spec', 'scaleTargetRef');
    const kind = get(target, 'kind');
    const found = all.find(
      (o) =>
        o.kind === kind &&
        o.apiVersion === get(target, 'apiVersion') &&
        o.name === get(target, 'name') &&
        o.namespace === hpa.namespace,
    );
    if (!found) {
      errors.push(
        `${where(hpa)}: spec.scaleTargetRef: ${String(kind)} "${String(get(target, 'name'))}" does not exist`,
      );
      continue;
    }
    if (get(found.doc, 'spec', 'replicas') !== undefined)
      errors.push(
        `${where(found)}: spec.replicas: set while ${where(hpa)} scales it; every apply would reset the count`,
      );
    const min = Number(get(hpa.doc, 'spec', 'minReplicas') ?? 1);
    if (min > Number(get(hpa.doc, 'spec', 'maxReplicas')))
      errors.push(`${where(hpa)}: spec.minReplicas: larger than spec.maxReplicas`);
    const usesCpu = objects(get(hpa.doc, 'spec', 'metrics')).some(
      (m) => get(m, 'resource', 'name') === 'cpu',
    );
    const workload = workloads.find((w) => w.object === found);
    workload?.containers.forEach(({ at, container }) => {
      if (usesCpu && get(container, 'resources', 'requests', 'cpu') === undefined)
        errors.push(
          `${where(found)}: ${at}.resources.requests.cpu: needed by ${where(hpa)} (CPU utilization)`,
        );
    });
  }
  for (const route of all.filter(
    (o) => o.apiVersion.startsWith('traefik.io/') && o.kind === 'IngressRoute',
  )) {
    objects(get(route.doc, 'spec', 'routes')).forEach((r, i) => {
      objects(r.services).forEach((s, j) => {
        const at = `spec.routes[${i}].services[${j}]`;
        if ((s.kind ?? 'Service') !== 'Service') return;
        const service = find(
          'Service',
          s.name,
          typeof s.namespace === 'string' ? s.namespace : route.namespace,
        );
        if (!service) errors.push(`${where(route)}: ${at}: Service "${String(s.name)}" does not exist`);
        else if (
          !objects(get(service.doc, 'spec', 'ports')).some((p) => p.port === s.port || p.name === s.port)
        )
          errors.push(`${where(route)}: ${at}.port: ${where(service)} has no port ${JSON.stringify(s.port)}`);
      });
    });
  }

  errors.push(...checkKustomization(loaded, dir));
  return errors;
}

/**
 * kustomization.yaml lists files that exist, and every manifest is in it but
 * the ones applied on their own: Secrets (real values come from elsewhere)
 * and Jobs (the migration, awaited before the rollout).
 */
function checkKustomization(loaded: LoadedManifests, dir: string): string[] {
  const { kustomization } = loaded;
  if (!kustomization) return [];
  const errors: string[] = [];
  const base = path.dirname(kustomization.file);
  const listed = new Set<string>();
  list(kustomization.doc.resources).forEach((resource, i) => {
    if (typeof resource !== 'string') return;
    const file = path.join(base, resource);
    listed.add(file);
    if (!existsSync(path.join(dir, file)))
      errors.push(`${kustomization.file}: resources[${i}]: "${resource}" does not exist`);
  });
  const namespace = kustomization.doc.namespace;
  const byFile = new Map<string, ManifestObject[]>();
  for (const o of loaded.objects) byFile.set(o.file, [...(byFile.get(o.file) ?? []), o]);
  for (const [file, inFile] of byFile) {
    if (!listed.has(file) && !inFile.every((o) => o.kind === 'Secret' || o.kind === 'Job'))
      errors.push(
        `${file}: not listed in ${KUSTOMIZATION_FILE} resources (only Secret and Job files are applied apart)`,
      );
    if (typeof namespace === 'string') {
      for (const o of inFile.filter((x) => x.kind !== 'Namespace' && x.namespace !== namespace))
        errors.push(
          `${where(o)}: metadata.namespace: "${o.namespace}" but ${KUSTOMIZATION_FILE} sets "${namespace}"`,
        );
    }
  }
  return errors;
}
