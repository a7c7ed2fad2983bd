import fc from 'fast-check';

/**
 * fast-check arbitraries from the JSON Schemas the API publishes (the subset
 * our TypeBox schemas produce: object, string with pattern/length/format,
 * integer, boolean, null, array, enum, const, anyOf). `within` generates
 * values the schema accepts; `outside` takes such a value and breaks it at one
 * place, the way a careless client would: one character too many or too few,
 * a refused character, a wrong type, a missing or unknown field, one item too
 * many. Callers check the result with a validator compiled from the same
 * schema, so a mutation that happens to stay valid is recognised as such.
 */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  minProperties?: number;
  maxProperties?: number;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
}

/** Lets a caller steer a string (ids, amounts) to values that reach past "not found". */
export type StringHint = (schema: JsonSchema, path: string[]) => fc.Arbitrary<string> | undefined;

/** Strings of generated lengths stay short, but the maximum length is reached too. */
const SHORT = 24;

export function within(
  schema: JsonSchema,
  hint: StringHint = () => undefined,
  path: string[] = [],
): fc.Arbitrary<unknown> {
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((s) => within(s, hint, path)));
  switch (typeOf(schema)) {
    case 'object':
      return objectWithin(schema, hint, path);
    case 'array': {
      const min = schema.minItems ?? 0;
      const max = schema.maxItems ?? min + 4;
      const item = within(schema.items ?? {}, hint, [...path, '[]']);
      return fc.oneof(
        { weight: 9, arbitrary: fc.array(item, { minLength: min, maxLength: Math.min(max, min + 4) }) },
        { weight: 1, arbitrary: fc.array(item, { minLength: max, maxLength: max }) },
      );
    }
    case 'string':
      return hint(schema, path) ?? stringWithin(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e6, max: schema.maximum ?? 1e6, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function objectWithin(schema: JsonSchema, hint: StringHint, path: string[]): fc.Arbitrary<unknown> {
  const properties = schema.properties ?? {};
  const record = fc.record(
    Object.fromEntries(Object.entries(properties).map(([k, s]) => [k, within(s, hint, [...path, k])])),
    { requiredKeys: (schema.required ?? []).filter((k) => k in properties) },
  );
  const enough = (v: object) => Object.keys(v).length >= (schema.minProperties ?? 0);
  if (schema.additionalProperties !== true) return record.filter(enough);
  const room = Math.max(0, (schema.maxProperties ?? 8) - Object.keys(properties).length);
  return fc
    .tuple(
      record,
      fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), {
        maxKeys: Math.min(room, 4),
      }),
    )
    .map(([known, extra]) => ({ ...extra, ...(known as object) }))
    .filter(enough);
}

/** One code point at a time, so lengths count as JSON Schema counts them (characters, not UTF-16 units). */
function stringWithin(schema: JsonSchema): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? Math.max(min, SHORT);
  if (schema.format === 'date-time')
    return fc
      .date({
        min: new Date('1970-01-01T00:00:00Z'),
        max: new Date('9999-12-31T23:59:59Z'),
        noInvalidDate: true,
      })
      .map((d) => d.toISOString());
  if (schema.pattern && !isPerCharacter(schema.pattern)) {
    const pattern = new RegExp(schema.pattern, 'u');
    return fc.stringMatching(pattern).filter((s) => lengthOf(s) >= min && lengthOf(s) <= max);
  }
  const allowed = schema.pattern ? new RegExp(schema.pattern, 'u') : null;
  const char = fc
    .oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      fc.constantFrom('a', 'Z', ' ', 'é', '日', '😀', '\u200d'),
    )
    .filter((c) => !allowed || allowed.test(c));
  return fc.oneof(
    {
      weight: 9,
      arbitrary: fc.string({ unit: char, minLength: min, maxLength: Math.min(max, Math.max(min, SHORT)) }),
    },
    { weight: 1, arbitrary: fc.string({ unit: char, minLength: max, maxLength: max }) },
  );
}

/** Patterns that say "any number of allowed characters" (free text) rather than a shape (ids, amounts). */
const isPerCharacter = (pattern: string) => /^\^\(\?:\[\^.*\]\)\*\$$/.test(pattern);

export const lengthOf = (s: string) => [...s].length;

const typeOf = (schema: JsonSchema): string | undefined =>
  Array.isArray(schema.type) ? schema.type[0] : (schema.type ?? (schema.properties ? 'object' : undefined));

/** Characters a careless client sends: each refused by one of our patterns or another. */
const REFUSED_CHARACTERS = [
  '\u0000',
  '\u001b',
  '\n',
  '\t',
  '\u007f',
  '\u009b',
  '\u2028',
  '\u202e',
  '\u2066',
  '\ud800',
  ' ',
  ',',
  'x',
  '-',
  '.',
];

/** A value the schema refuses: `value` (valid) broken at one place. */
export function outside(schema: JsonSchema, value: unknown): fc.Arbitrary<unknown> {
  const spots = placesIn(schema, value, []);
  return fc
    .constantFrom(...spots)
    .chain((spot) =>
      fc.constantFrom(...breakages(spot.schema, spot.value)).map((broken) => setAt(value, spot.path, broken)),
    );
}

interface Spot {
  path: (string | number)[];
  schema: JsonSchema;
  value: unknown;
}

function placesIn(schema: JsonSchema, value: unknown, path: (string | number)[]): Spot[] {
  const here: Spot = { path, schema, value };
  if (value && typeof value === 'object' && !Array.isArray(value) && schema.properties) {
    return [
      here,
      ...Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
        schema.properties![k] ? placesIn(schema.properties![k]!, v, [...path, k]) : [],
      ),
    ];
  }
  if (Array.isArray(value) && schema.items)
    return [here, ...value.flatMap((v, i) => placesIn(schema.items!, v, [...path, i]))];
  return [here];
}

const REMOVE = Symbol('remove');

function breakages(schema: JsonSchema, value: unknown): unknown[] {
  const wrongTypes = [12.5, 7, true, null, [], {}, '1e3'];
  if (typeof value === 'string') {
    const chars = [...value];
    const out: unknown[] = [...wrongTypes, REMOVE];
    if (schema.maxLength !== undefined) out.push(value + 'x'.repeat(schema.maxLength + 1 - chars.length));
    if ((schema.minLength ?? 0) > 0) out.push('');
    if (schema.enum) out.push(String(value).toLowerCase() + '_', '');
    if (schema.format === 'date-time') out.push('2026-13-45T99:99:99Z', 'yesterday');
    if (schema.pattern) {
      for (const c of REFUSED_CHARACTERS)
        out.push(value.slice(0, 1) + c + value.slice(1), c + value, value + c);
      out.push(`${value}${'9'.repeat(13)}`, `${value}.12345`);
    }
    return out;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [...wrongTypes, REMOVE];
    if (schema.maxItems !== undefined)
      out.push([...value, ...Array.from({ length: schema.maxItems + 1 - value.length }, () => value[0])]);
    if ((schema.minItems ?? 0) > 0) out.push(value.slice(0, schema.minItems! - 1));
    return out;
  }
  if (value && typeof value === 'object') {
    const out: unknown[] = [[], 'object', null, { ...(value as object), unknownField: 'x' }];
    for (const key of schema.required ?? []) {
      const copy = { ...(value as Record<string, unknown>) };
      delete copy[key];
      out.push(copy);
    }
    return out;
  }
  if (typeof value === 'number')
    return ['1', null, schema.maximum !== undefined ? schema.maximum + 1 : 1.5, REMOVE];
  return [...wrongTypes, REMOVE];
}

function setAt(root: unknown, path: (string | number)[], replacement: unknown): unknown {
  if (path.length === 0) return replacement === REMOVE ? undefined : replacement;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    const next = setAt(copy[head as number], rest, replacement);
    if (next === undefined && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = next;
    return copy;
  }
  const copy = { ...(root as Record<string, unknown>) };
  const next = setAt(copy[head as string], rest, replacement);
  if (next === undefined && rest.length === 0) delete copy[head as string];
  else copy[head as string] = next;
  return copy;
}
