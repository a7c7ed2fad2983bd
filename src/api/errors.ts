import { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { LEDGER_ERRORS, type LedgerErrorCode, isLedgerError } from '../domain/errors.js';
import { isPermanentDbError, isTransientDbError } from '../db/errors.js';

/**
 * The API's closed set of error codes (docs/reference/http-api.md) and their HTTP status. The
 * ledger's own codes (domain/errors.ts) are part of it, so a workflow that
 * fails with UNBALANCED_VOUCHER answers with that very code. Clients match on
 * `code`; renaming one is a breaking change.
 */
export const API_ERRORS = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  IDEMPOTENCY_KEY_REUSED: 409,
  ACCOUNT_CODE_TAKEN: 409,
  CONTROL_ACCOUNT_PROTECTED: 409,
  ACCOUNT_BALANCE_NOT_ZERO: 409,
  GRANT_EXISTS: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  UPGRADE_REQUIRED: 426,
  RATE_LIMITED: 429,
  INTERNAL_ERROR: 500,
  SERVICE_OVERLOADED: 503,
  DEPENDENCY_UNAVAILABLE: 503,
  ...(Object.fromEntries(Object.entries(LEDGER_ERRORS).map(([code, spec]) => [code, spec.status])) as {
    [K in LedgerErrorCode]: (typeof LEDGER_ERRORS)[K]['status'];
  }),
} as const;

export type ApiErrorCode = keyof typeof API_ERRORS;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  /** Response headers the answer needs (Retry-After). */
  readonly headers: Record<string, string>;
  constructor(code: ApiErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.code = code;
    this.headers = headers;
  }

  /** The HTTP status its code answers with. */
  get statusCode(): number {
    return API_ERRORS[this.code];
  }
}

export const notFound = (what = 'resource') => new ApiError('NOT_FOUND', `${what} not found`);

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  requestId: string;
}

/** Fastify's own error codes that are the client's fault, mapped to ours. */
const FASTIFY_CODES: Record<string, ApiErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_VALIDATION: 'VALIDATION_FAILED',
  FST_ERR_BAD_URL: 'NOT_FOUND',
  FST_ERR_MAX_PARAM_LENGTH: 'NOT_FOUND',
  FST_ERR_ASYNC_CONSTRAINT: 'NOT_FOUND',
  FST_UNDER_PRESSURE: 'SERVICE_OVERLOADED',
};

function classify(err: unknown): { code: ApiErrorCode; message: string; headers: Record<string, string> } {
  if (err instanceof ApiError) return { code: err.code, message: err.message, headers: err.headers };
  if (isLedgerError(err)) return { code: err.code, message: err.message, headers: {} };
  const fe = err as Partial<FastifyError> & { body?: unknown };
  if (fe.validation) return { code: 'VALIDATION_FAILED', message: validationMessage(fe), headers: {} };
  if (fe.code && FASTIFY_CODES[fe.code]) {
    const code = FASTIFY_CODES[fe.code]!;
    // Fastify's parser messages never echo the payload; keep them, they help the client.
    // Its router's messages echo the path (control characters and all): a path that
    // routes nowhere answers like any other unknown route.
    const message =
      code === 'SERVICE_OVERLOADED'
        ? 'service overloaded, retry later'
        : code === 'NOT_FOUND'
          ? ROUTE_NOT_FOUND
          : (fe.message ?? code);
    return { code, message, headers: {} };
  }
  if (fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
    return { code: 'VALIDATION_FAILED', message: 'body is not valid JSON', headers: {} };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Any other framework 4xx: keep the status class, but never leak its text.
    return {
      code:
        fe.statusCode === 413
          ? 'PAYLOAD_TOO_LARGE'
          : fe.statusCode === 415
            ? 'UNSUPPORTED_MEDIA_TYPE'
            : 'VALIDATION_FAILED',
      message: 'invalid request',
      headers: {},
    };
  }
  // Validation keeps unstorable values out; should one get through, it is still the request's fault.
  if (isPermanentDbError(err))
    return { code: 'UNSTORABLE_VALUE', message: 'a value in the request cannot be stored', headers: {} };
  if (isRedisUnavailable(err) || isTransientDbError(err))
    return {
      code: 'DEPENDENCY_UNAVAILABLE',
      message: 'a dependency is unavailable, retry later',
      headers: {},
    };
  return { code: 'INTERNAL_ERROR', message: 'internal error', headers: {} };
}

function isRedisUnavailable(err: unknown): boolean {
  const e = err as { name?: string; message?: string } | undefined;
  return (
    e?.name === 'MaxRetriesPerRequestError' ||
    /Connection is closed|Stream isn't writeable|ECONNREFUSED/.test(e?.message ?? '')
  );
}

function validationMessage(err: Partial<FastifyError>): string {
  const first = err.validation?.[0];
  if (!first) return 'invalid request';
  const where = err.validationContext ?? 'request';
  const path = first.instancePath ? first.instancePath.replace(/^\//, '').replaceAll('/', '.') : '';
  const extra =
    first.keyword === 'additionalProperties'
      ? ` (unknown field "${String((first.params as { additionalProperty?: string }).additionalProperty).slice(0, 64)}")`
      : '';
  return `${where}${path ? `.${path}` : ''} ${first.message ?? 'is invalid'}${extra}`.slice(0, 300);
}

/** One error handler (`answerError`) and the body of an unknown route. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(answerError);

  app.setNotFoundHandler((request, reply) => {
    const body: ErrorBody = {
      statusCode: 404,
      code: 'NOT_FOUND',
      message: ROUTE_NOT_FOUND,
      requestId: request.id,
    };
    return reply.status(404).send(body);
  });
}

const ROUTE_NOT_FOUND = 'route not found';

/**
 * Maps every error to the documented body, hides internals of 5xx, always
 * returns the request id, and logs expected errors at warn, unexpected ones
 * at error. Also Fastify's `frameworkErrors`, which its router
 * calls, before any route or hook, for a path it cannot route (a bad
 * percent-encoding, a parameter longer than `maxParamLength`).
 */
export function answerError(err: unknown, request: FastifyRequest, reply: FastifyReply) {
  const classified = classify(err);
  const { code, headers } = classified;
  const statusCode = API_ERRORS[code];
  // A 5xx never carries an internal message (SQL, stack, driver text): only what the client can act on.
  const message = statusCode >= 500 ? (GENERIC_5XX[code] ?? 'internal error') : classified.message;
  const body: ErrorBody = { statusCode, code, message, requestId: request.id };
  if (statusCode >= 500 && code !== 'SERVICE_OVERLOADED') {
    request.log.error({ err, code }, `request failed: ${code}`);
  } else if (statusCode >= 400 && code !== 'NOT_FOUND' && code !== 'UNAUTHENTICATED') {
    request.log.warn({ code, statusCode, reason: message }, `request rejected: ${code}`);
  } else {
    request.log.info({ code, statusCode }, `request rejected: ${code}`);
  }
  for (const [name, value] of Object.entries(headers)) void reply.header(name, value);
  if (code === 'UNAUTHENTICATED') void reply.header('www-authenticate', 'Bearer');
  return reply.status(statusCode).type('application/json; charset=utf-8').send(body);
}

const GENERIC_5XX: Partial<Record<ApiErrorCode, string>> = {
  INTERNAL_ERROR: 'internal error',
  SERVICE_OVERLOADED: 'service overloaded, retry later',
  DEPENDENCY_UNAVAILABLE: 'a dependency is unavailable, retry later',
  TRANSIENT_DATABASE_ERROR: 'the database is busy or unavailable, retry later',
};

/** Status of a ledger failure code reported by a workflow (its ApplicationFailure type). */
export function ledgerFailure(type: string | undefined | null, message: string): ApiError {
  if (type && type in API_ERRORS) return new ApiError(type as ApiErrorCode, message);
  return new ApiError('INTERNAL_ERROR', 'posting failed');
}
