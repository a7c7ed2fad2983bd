import { Kafka, type LogEntry, logLevel, type SASLOptions } from 'kafkajs';
import { type KafkaConfig } from '../config/index.js';
import { type Logger } from '../lib/logger.js';

/** A kafkajs client configured from the environment, logging through our JSON logger. */
export function createKafka(config: KafkaConfig, logger: Logger, clientIdSuffix = ''): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: `${config.clientId}${clientIdSuffix}`,
    brokers: config.brokers,
    ssl: config.ssl,
    // The config schema only produces the three mechanisms kafkajs knows; the union is just not narrowed by TS.
    ...(config.sasl ? { sasl: config.sasl as SASLOptions } : {}),
    logLevel: logLevel.INFO,
    logCreator: () => (entry: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = entry.log;
      const line = { namespace: entry.namespace, ...fields };
      if (entry.level === logLevel.ERROR) log.error(line, message);
      else if (entry.level === logLevel.WARN) log.warn(line, message);
      else if (entry.level === logLevel.INFO) log.info(line, message);
      else log.debug(line, message);
    },
  });
}
