import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { type Json, type ManifestObject, where } from './load.js';
import { get, objects, stringMap, type Workload } from './workloads.js';

const CONFIG_DIR = fileURLToPath(new URL('../../src/config/', import.meta.url));

/** Read by Node itself, not by src/config. */
const RUNTIME_VARIABLES = new Set(['NODE_OPTIONS', 'TZ']);

/**
 * Secret values are not in the repository. A stand-in of the right shape takes
 * their place, so the check proves each variable reaches the container, and
 * the service checks the real value at boot.
 */
const SECRET_STAND_INS: Record<string, string> = {
  APP_ENV_DB_URL: 'postgresql://stand-in@db.invalid:5432/seller_finance',
  APP_ENV_REDIS_URL: 'redis://redis.invalid:6379',
  APP_ENV_ENCRYPTION_KEY: Buffer.alloc(32).toString('base64'),
};
const standIn = (name: string) => SECRET_STAND_INS[name] ?? 'stand-in';

/**
 * Each container's environment, resolved as the kubelet would (ConfigMaps,
 * Secret references, literals), is parsed by the service's own configuration
 * code (src/config) for the container's RUN_MODE: a missing or malformed
 * variable fails here with the message the pod would log before exiting 78.
 * Every variable set must also be one that src/config reads: a misspelt
 * optional variable would otherwise be ignored without a word.
 */
export function checkEnvironment(all: ManifestObject[], workloads: Workload[]): string[] {
  const errors: string[] = [];
  const known = variablesReadByTheService();
  const reported = new Set<string>();
  const unknown = (message: string) => {
    if (!reported.has(message)) errors.push(message);
    reported.add(message);
  };
  for (const { object, containers } of workloads) {
    for (const { at, container } of containers) {
      const report = (name: string, source: string) => unknown(`${source}: ${notRead(name)}`);
      const env = containerEnvironment(all, object, at, container, report, known);
      try {
        loadConfig(env);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        const mode = env.RUN_MODE ?? '(unset: all)';
        for (const problem of err.problems)
          errors.push(`${where(object)}: ${at}: environment for RUN_MODE=${mode}: ${problem}`);
      }
    }
  }
  return errors;
}

/**
 * A container's environment as the kubelet resolves it (ConfigMaps, Secret
 * references with stand-ins, literals). `onUnknown` hears of each variable
 * src/config does not read, with where it was set.
 */
export function containerEnvironment(
  all: ManifestObject[],
  object: ManifestObject,
  at: string,
  container: Json,
  onUnknown: (name: string, source: string) => void = () => undefined,
  known: Set<string> = variablesReadByTheService(),
): Record<string, string> {
  const find = (kind: string, name: unknown) =>
    all.find((o) => o.kind === kind && o.name === name && o.namespace === object.namespace);
  const env: Record<string, string> = {};
  objects(container.envFrom).forEach((source) => {
    const prefix = typeof source.prefix === 'string' ? source.prefix : '';
    const configMap = find('ConfigMap', get(source, 'configMapRef', 'name'));
    const secret = find('Secret', get(source, 'secretRef', 'name'));
    for (const [key, value] of Object.entries(stringMap(configMap?.doc.data))) {
      env[prefix + key] = value;
      if (!known.has(prefix + key)) onUnknown(prefix + key, `${where(configMap!)}: data.${key}`);
    }
    for (const key of secretKeys(secret?.doc)) env[prefix + key] = standIn(prefix + key);
  });
  objects(container.env).forEach((variable, i) => {
    const name = String(variable.name);
    if (!known.has(name)) onUnknown(name, `${where(object)}: ${at}.env[${i}]`);
    const fromConfigMap = get(variable, 'valueFrom', 'configMapKeyRef');
    if (typeof variable.value === 'string') env[name] = variable.value;
    else if (get(variable, 'valueFrom', 'secretKeyRef')) env[name] = standIn(name);
    else if (fromConfigMap) {
      const cm = find('ConfigMap', get(fromConfigMap, 'name'));
      const value = stringMap(cm?.doc.data)[String(get(fromConfigMap, 'key'))];
      if (value !== undefined) env[name] = value;
    } else if (variable.valueFrom) env[name] = 'stand-in';
  });
  return env;
}

function secretKeys(doc: Json | undefined): string[] {
  return doc ? [...Object.keys(stringMap(doc.data)), ...Object.keys(stringMap(doc.stringData))] : [];
}

const notRead = (name: string) => `${name} is not a variable the service reads (src/config)`;

/** The keys of the parseEnv schemas in src/config: the variables the service reads. */
function variablesReadByTheService(): Set<string> {
  const names = new Set(RUNTIME_VARIABLES);
  for (const file of readdirSync(CONFIG_DIR).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const text = readFileSync(path.join(CONFIG_DIR, file), 'utf8');
    for (const match of text.matchAll(/^\s+([A-Z][A-Z0-9_]*):/gm)) names.add(match[1]!);
  }
  return names;
}
