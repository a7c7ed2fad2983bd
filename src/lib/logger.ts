import { pino, type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON lines on stdout (docs/reference/events.md, logs). Secrets are redacted by path so that a
 * careless `log.info({ body })` cannot leak a credential or a token.
 */
export const REDACT_PATHS = [
  'credential',
  '*.credential',
  '*.*.credential',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  // A browser's WebSocket carries its token as a subprotocol (GET /ws).
  'req.headers["sec-websocket-protocol"]',
  'headers.authorization',
  'token',
  '*.token',
  'encryptionKey',
  '*.encryptionKey',
];

export function createLogger(
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  return pino(
    {
      level: options.level ?? process.env.LOG_LEVEL ?? 'info',
      base: { service: 'seller-finance', ...(options.name ? { role: options.name } : {}) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    },
    options.destination,
  );
}
