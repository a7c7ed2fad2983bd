import { Connection } from '@temporalio/client';
import { connectionOptions } from '../temporal/connection.js';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type KafkaConfig, type TemporalConfig } from '../config/index.js';
import { createKafka } from '../ingest/kafka.js';
import { createLogger } from '../lib/logger.js';

/**
 * Is a dependency there at all? Used by `/readyz` while a role is still
 * starting (its own clients do not exist yet), so that the 503 names what is
 * missing. Each call opens one short-lived connection and closes it; the
 * readiness cache keeps that to one per second at most.
 */

/** A completed connection (startup and authentication) is the answer: no statement needed. */
export async function databaseAnswers(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
  } finally {
    await client.end().catch(() => undefined);
  }
}

export async function redisAnswers(url: string): Promise<void> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

/** The frontend answers and knows the namespace (a worker cannot poll a namespace that does not exist). */
export async function temporalAnswers(
  config: Pick<TemporalConfig, 'transport' | 'namespace'>,
): Promise<void> {
  const connection = await Connection.connect({
    ...connectionOptions(config.transport),
    connectTimeout: '2 seconds',
  });
  try {
    await connection.workflowService.describeNamespace({ namespace: config.namespace });
  } finally {
    await connection.close();
  }
}

const silent = createLogger({ level: 'silent' });

export async function kafkaAnswers(config: KafkaConfig): Promise<void> {
  const admin = createKafka(config, silent, '-probe').admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    await admin.describeCluster();
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
