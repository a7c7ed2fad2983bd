import { DefaultLogger, type LogLevel, Runtime } from '@temporalio/worker';
import { type Logger } from '../lib/logger.js';

let installed = false;

/**
 * Routes the Temporal SDK's logs (including `log` inside workflows, which is
 * how `SKIP voucher` and posting failures are reported) into our JSON logger.
 * The runtime can be installed once per process, before any worker exists.
 */
export function installTemporalRuntime(logger: Logger): void {
  if (installed) return;
  installed = true;
  const sdk = logger.child({ component: 'temporal' });
  Runtime.install({
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
