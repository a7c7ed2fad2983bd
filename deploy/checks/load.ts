import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseAllDocuments } from 'yaml';

export type Json = Record<string, unknown>;

/** One YAML document of a manifest file, with where it came from for error messages. */
export interface ManifestObject {
  file: string;
  line: number;
  apiVersion: string;
  kind: string;
  name: string;
  namespace: string | undefined;
  doc: Json;
}

export interface LoadedManifests {
  files: string[];
  objects: ManifestObject[];
  /** kustomization.yaml, parsed, when the folder has one. */
  kustomization: { file: string; doc: Json } | undefined;
  errors: string[];
}

export const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const KUSTOMIZATION_FILE = 'kustomization.yaml';

/** Every `*.yaml` / `*.yml` below `dir`, every document in each, in a stable order. */
export function loadManifests(dir: string): LoadedManifests {
  const files = listYamlFiles(dir);
  const objects: ManifestObject[] = [];
  const errors: string[] = [];
  let kustomization: LoadedManifests['kustomization'];

  for (const file of files) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const lineCounter = new LineCounter();
    const documents = parseAllDocuments(text, { lineCounter, uniqueKeys: true });
    if (!Array.isArray(documents)) {
      errors.push(`${file}: not a YAML stream`);
      continue;
    }
    for (const document of documents) {
      const line = lineCounter.linePos(document.contents?.range[0] ?? 0).line;
      for (const problem of [...document.errors, ...document.warnings]) {
        const message = problem.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        errors.push(`${file}:${lineCounter.linePos(problem.pos[0]).line}: YAML: ${message}`);
      }
      if (document.errors.length > 0) continue;
      const doc: unknown = document.toJS({ maxAliasCount: 100 });
      if (doc === null || doc === undefined) continue; // an empty document (e.g. a trailing `---`)
      if (!isObject(doc)) {
        errors.push(`${file}:${line}: a manifest must be a mapping, found ${typeof doc}`);
        continue;
      }
      if (path.basename(file) === KUSTOMIZATION_FILE) {
        kustomization = { file, doc };
        continue;
      }
      const metadata = isObject(doc.metadata) ? doc.metadata : {};
      const object: ManifestObject = {
        file,
        line,
        apiVersion: typeof doc.apiVersion === 'string' ? doc.apiVersion : '',
        kind: typeof doc.kind === 'string' ? doc.kind : '',
        name: typeof metadata.name === 'string' ? metadata.name : '',
        namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
        doc,
      };
      const missing = ['apiVersion', 'kind', 'name'].filter(
        (k) => !object[k as 'apiVersion' | 'kind' | 'name'],
      );
      if (missing.length > 0) {
        errors.push(
          `${where(object)}: missing ${missing.map((k) => (k === 'name' ? 'metadata.name' : k)).join(', ')}`,
        );
        continue;
      }
      objects.push(object);
    }
  }
  return { files, objects, kustomization, errors };
}

/** `file:line Kind/name` — the prefix of every message about an object. */
export function where(object: Pick<ManifestObject, 'file' | 'line' | 'kind' | 'name'>): string {
  return `${object.file}:${object.line} ${object.kind || '?'}/${object.name || '?'}`;
}

function listYamlFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .sort();
}
