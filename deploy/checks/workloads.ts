import { isObject, type Json, type ManifestObject } from './load.js';

/** The objects that carry a pod template, and where it sits. */
const POD_TEMPLATE_PATHS: Record<string, string[]> = {
  Deployment: ['spec', 'template'],
  StatefulSet: ['spec', 'template'],
  DaemonSet: ['spec', 'template'],
  Job: ['spec', 'template'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template'],
};

export interface Workload {
  object: ManifestObject;
  /** Path of the pod template inside the object, for messages. */
  at: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  pod: Json;
  containers: Array<{ at: string; container: Json }>;
}

export function get(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) current = isObject(current) ? current[key] : undefined;
  return current;
}

export const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
export const objects = (value: unknown): Json[] => list(value).filter(isObject);

export function stringMap(value: unknown): Record<string, string> {
  if (!isObject(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}

export function workloadsOf(all: ManifestObject[]): Workload[] {
  const result: Workload[] = [];
  for (const object of all) {
    const templatePath = POD_TEMPLATE_PATHS[object.kind];
    if (!templatePath) continue;
    const template = get(object.doc, ...templatePath);
    const pod = get(template, 'spec');
    if (!isObject(pod)) continue; // the schema check reports a missing template
    const at = [...templatePath, 'spec'].join('.');
    const containers = ['initContainers', 'containers'].flatMap((field) =>
      objects(pod[field]).map((container, i) => ({ at: `${at}.${field}[${i}]`, container })),
    );
    result.push({
      object,
      at,
      labels: stringMap(get(template, 'metadata', 'labels')),
      annotations: stringMap(get(template, 'metadata', 'annotations')),
      pod,
      containers,
    });
  }
  return result;
}

/** A label selector's `matchLabels` against pod labels; `matchExpressions` is refused rather than guessed. */
export function selects(selector: unknown, labels: Record<string, string>): boolean | 'unsupported' {
  if (!isObject(selector)) return false;
  if (list(selector.matchExpressions).length > 0) return 'unsupported';
  const wanted = stringMap(selector.matchLabels);
  const keys = Object.keys(wanted);
  return keys.length > 0 && keys.every((key) => labels[key] === wanted[key]);
}

/** A probe's or Service's port (number or name) against a container's declared ports. */
export function containerHasPort(container: Json, port: unknown): boolean {
  return objects(container.ports).some((p) =>
    typeof port === 'number' ? p.containerPort === port : typeof port === 'string' && p.name === port,
  );
}
