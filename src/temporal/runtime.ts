import { DefaultLogger, type LogLevel, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { type Logger } from '../lib/logger.js';

let installed = false;

/**
 * Routes the Temporal SDK's logs (including `log` inside workflows, which is
 * how `SKIP voucher` and posting failures are reported) into our JSON logger.
 * The runtime can be installed once per process, before any worker exists.
 *
 * The SDK's native core (connections, polling, retries) logs to stderr by
 * itself unless `forwardCoreLogs` routes it here too; forwarding delays every
 * SDK log line by up to 100 ms (the SDK sorts native and JavaScript lines).
 */
export function installTemporalRuntime(logger: Logger, opts: { forwardCoreLogs?: boolean } = {}): void {
  if (installed) return;
  installed = true;
  const sdk = logger.child({ component: 'temporal' });
  Runtime.install({
    ...(opts.forwardCoreLogs
      ? {
          telemetryOptions: {
            logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }) },
          },
        }
      : {}),
    logger: new DefaultLogger(toSdkLevel(logger.level), (entry) => {
      const { message, meta } = entry;
      const fields = { ...(meta ?? {}) };
      switch (entry.level) {
        case 'ERROR':
          sdk.error(fields, message);
          break;
        case 'WARN':
          sdk.warn(fields, message);
          break;
        case 'INFO':
          sdk.info(fields, message);
          break;
        default:
          sdk.debug(fields, message);
      }
    }),
  });
}

function toSdkLevel(level: string): LogLevel {
  switch (level) {
    case 'trace':
      return 'TRACE';
    case 'debug':
      return 'DEBUG';
    case 'warn':
      return 'WARN';
    case 'error':
    case 'fatal':
      return 'ERROR';
    default:
      return 'INFO';
  }
}
