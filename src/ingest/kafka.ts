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

export interface ConsumerGroupTimeouts {
  sessionTimeout: number;
  heartbeatInterval: number;
  rebalanceTimeout: number;
}

/**
 * The consumer group's timeouts, from the session timeout: how long the
 * coordinator waits for a silent member before it gives its partitions to
 * the others, so it is the floor of the time a crashed ingest stalls its
 * partitions (kafkajs' default, 30 s, stalled them for about a minute with
 * the rebalance). Heartbeats go out every eighth of it, so a loaded machine
 * that delays a few still stays in the group. The rebalance timeout bounds
 * how long a rebalance waits for live members to rejoin; they notice it at
 * their next heartbeat, at most one workflow start's timeout away, so it is
 * kept well above that.
 */
export function consumerGroupTimeouts(sessionTimeoutMs: number): ConsumerGroupTimeouts {
  return {
    sessionTimeout: sessionTimeoutMs,
    heartbeatInterval: Math.max(250, Math.round(sessionTimeoutMs / 8)),
    rebalanceTimeout: Math.max(30_000, sessionTimeoutMs * 2),
  };
}
