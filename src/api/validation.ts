import { Ajv, type Options } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { type FastifyInstance } from 'fastify';

// ajv-formats is CommonJS: under NodeNext its default import is the module object in types, the function at run time.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

const common: Options = {
  useDefaults: true,
  // Unknown fields are an error (400), not silently dropped.
  removeAdditional: false,
  allErrors: false,
  strict: false,
};

/**
 * Two validators: query strings, params and headers are text and are
 * coerced ("50" → 50); bodies are JSON and are never coerced, so a JSON
 * number where an amount (a decimal string) is expected is refused
 * (docs/reference/data-model.md, money) instead of being turned into "125000.5".
 */
export function installValidation(app: FastifyInstance): void {
  const bodyAjv = addFormats(new Ajv({ ...common, coerceTypes: false }));
  const textAjv = addFormats(new Ajv({ ...common, coerceTypes: 'array' }));
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? bodyAjv : textAjv).compile(schema),
  );
}
