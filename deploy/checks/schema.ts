import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { isObject, type ManifestObject, where } from './load.js';

/**
 * Schema validation with the Kubernetes OpenAPI schemas that `kubernetes-models`
 * (and `@kubernetes-models/traefik` for the IngressRoute CRD) ship compiled to
 * validators: types, enums, formats, required fields. Those schemas accept any
 * unknown field (the upstream OpenAPI has no `additionalProperties: false`), so
 * a typo such as `readinesProbe` would pass; `unknownFields` closes that gap by
 * walking each object against the same package's TypeScript declarations, which
 * are generated from the same OpenAPI document.
 */

interface ModelClass {
  new (data: unknown): { validate(): void };
}

interface AjvError {
  instancePath: string;
  message?: string;
}

/** Which npm package holds the models of an API group; the core groups are in kubernetes-models. */
const MODEL_PACKAGES: ReadonlyArray<readonly [RegExp, string]> = [
  [/^traefik\.io\//, '@kubernetes-models/traefik'],
  [/^cilium\.io\//, '@kubernetes-models/cilium'],
  [/^/, 'kubernetes-models'],
];

function modelModule(apiVersion: string, kind: string): string | undefined {
  // The module path is built from the manifest's own text: accept API names only.
  if (!/^([a-z0-9-]+(\.[a-z0-9-]+)*\/)?v\d+((alpha|beta)\d+)?$/.test(apiVersion)) return undefined;
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) return undefined;
  const pkg = MODEL_PACKAGES.find(([group]) => group.test(apiVersion))![1];
  return `${pkg}/${apiVersion}/${kind}`;
}

export async function checkSchemas(objects: ManifestObject[]): Promise<string[]> {
  const errors: string[] = [];
  const typed: Array<{ object: ManifestObject; module: string }> = [];
  for (const object of objects) {
    const module = modelModule(object.apiVersion, object.kind);
    const Model = module ? await importModel(module, object.kind) : undefined;
    if (!module || !Model) {
      errors.push(
        `${where(object)}: no schema for ${object.apiVersion} ${object.kind} (unknown kind or API version)`,
      );
      continue;
    }
    try {
      new Model(object.doc).validate();
    } catch (err) {
      const details = (err as { errors?: AjvError[] }).errors;
      if (!details) throw err;
      for (const detail of details) {
        errors.push(`${where(object)}: ${dotted(detail.instancePath)}: ${detail.message ?? 'is invalid'}`);
      }
    }
    typed.push({ object, module });
  }
  if (typed.length > 0) errors.push(...unknownFields(typed));
  return errors;
}

async function importModel(module: string, kind: string): Promise<ModelClass | undefined> {
  try {
    const exports = (await import(module)) as Record<string, unknown>;
    return typeof exports[kind] === 'function' ? (exports[kind] as ModelClass) : undefined;
  } catch {
    return undefined;
  }
}

/** `/spec/template/spec/containers/0/image` → `spec.template.spec.containers[0].image` */
export function dotted(pointer: string): string {
  if (pointer === '') return '(document)';
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, part) => (/^\d+$/.test(part) ? `${acc}[${part}]` : acc ? `${acc}.${part}` : part), '');
}

// ---- unknown fields, against the models' TypeScript declarations

const HERE = path.dirname(fileURLToPath(import.meta.url));
// Virtual files: module resolution starts here, so the repo's node_modules are found.
const KINDS_FILE = path.join(HERE, '__manifest_kinds__.ts');
// Just the global types the declarations use: loading TypeScript's own lib would triple the time.
const LIB_FILE = path.join(HERE, '__manifest_lib__.d.ts');
const LIB = `interface Array<T> { length: number; [n: number]: T }
interface Boolean {} interface Function {} interface CallableFunction {} interface NewableFunction {}
interface IArguments {} interface Number {} interface Object {} interface RegExp {} interface String {}
type Record<K extends keyof any, T> = { [P in K]: T };
type Exclude<T, U> = T extends U ? never : T;
type Pick<T, K extends keyof T> = { [P in K]: T[P] };
type Omit<T, K extends keyof any> = { [P in Exclude<keyof T, K>]: T[P] };
type Partial<T> = { [P in keyof T]?: T[P] };`;

function unknownFields(typed: Array<{ object: ManifestObject; module: string }>): string[] {
  const modules = [...new Set(typed.map((t) => t.module))];
  const alias = (module: string) => `K${modules.indexOf(module)}`;
  const source = [
    ...modules.map((m) => `import type { I${path.basename(m)} as ${alias(m)} } from '${m}';`),
    `export interface Kinds { ${modules.map((m) => `'${m}': ${alias(m)};`).join(' ')} }`,
  ].join('\n');

  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    noLib: true,
    types: [],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
  };
  const host = ts.createCompilerHost(options);
  const readSource = host.getSourceFile.bind(host);
  const exists = host.fileExists.bind(host);
  const virtual = new Map([
    [KINDS_FILE, source],
    [LIB_FILE, LIB],
  ]);
  host.fileExists = (file) => virtual.has(file) || exists(file);
  host.getSourceFile = (file, language, ...rest) => {
    const text = virtual.get(file);
    return text === undefined
      ? readSource(file, language, ...rest)
      : ts.createSourceFile(file, text, language);
  };
  const program = ts.createProgram([LIB_FILE, KINDS_FILE], options, host);
  const checker = program.getTypeChecker();
  const problems = ts.getPreEmitDiagnostics(program, program.getSourceFile(KINDS_FILE));
  if (problems.length > 0) {
    const text = problems.map((d) => ts.flattenDiagnosticMessageText(d.messageText, ' ')).join('; ');
    throw new Error(`deploy/checks/schema.ts: cannot load the model declarations: ${text}`);
  }
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(KINDS_FILE)!)!;
  const kinds = checker.getDeclaredTypeOfSymbol(
    checker.getExportsOfModule(moduleSymbol).find((s) => s.name === 'Kinds')!,
  );

  const errors: string[] = [];
  for (const { object, module } of typed) {
    const type = checker.getTypeOfSymbol(checker.getPropertyOfType(kinds, module)!);
    walk(checker, object.doc, type, '', (at) => errors.push(`${where(object)}: ${at}: unknown field`));
  }
  return errors;
}

function walk(
  checker: ts.TypeChecker,
  value: unknown,
  declared: ts.Type,
  at: string,
  report: (at: string) => void,
): void {
  const type = checker.getNonNullableType(declared);
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
  if (Array.isArray(value)) {
    const element = checker.isArrayType(type)
      ? checker.getTypeArguments(type as ts.TypeReference)[0]
      : undefined;
    if (element) value.forEach((item, i) => walk(checker, item, element, `${at}[${i}]`, report));
    return;
  }
  if (!isObject(value)) return;
  // A union of several object shapes (rare here) cannot say which one applies: leave it to the schema.
  const shapes = type.isUnion() ? type.types.filter((t) => t.flags & ts.TypeFlags.Object) : [type];
  if (shapes.length !== 1) return;
  const shape = shapes[0]!;
  const index = checker.getIndexInfoOfType(shape, ts.IndexKind.String);
  // A free-form object (e.g. x-kubernetes-preserve-unknown-fields) declares nothing to check against.
  if (!index && checker.getPropertiesOfType(shape).length === 0) return;
  for (const [key, child] of Object.entries(value)) {
    const property = checker.getPropertyOfType(shape, key);
    const next = at ? `${at}.${key}` : key;
    if (property) walk(checker, child, checker.getTypeOfSymbol(property), next, report);
    else if (index) walk(checker, child, index.type, next, report);
    else report(next);
  }
}
