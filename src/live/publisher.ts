import { Redis } from 'ioredis';
import { type PostingListener } from '../activities/index.js';
import { type Logger } from '../lib/logger.js';
import { metrics } from '../lib/metrics.js';
import { liveBatchOf, liveChannel } from './messages.js';

export interface LivePublisherOptions {
  url: string;
  keyPrefix: string;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** At most one warning per this many ms while publishing fails (default 30 s). */
  warnEveryMs?: number;
}

export interface LivePublisher extends PostingListener {
  close(): Promise<void>;
}

/**
 * The worker's half of live updates: after a posting or void commits, one
 * Redis PUBLISH on `<prefix>live` carries its messages (live/messages.ts) to
 * every API replica. Best effort by design — the ledger is the record, live
 * updates are a convenience — so a publish never delays or fails the
 * activity: it is not awaited, Redis being away drops it at once (no offline
 * queue to grow), and failures are logged as a throttled warning.
 */
export async function createLivePublisher(opts: LivePublisherOptions): Promise<LivePublisher> {
  const channel = liveChannel(opts.keyPrefix);
  const warnEveryMs = opts.warnEveryMs ?? 30_000;
  const redis = new Redis(opts.url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    commandTimeout: 2_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
  });
  let dropped = 0;
  let lastWarning = 0;
  const failed = (err: unknown, merchantId?: string) => {
    dropped += 1;
    metrics.liveUpdatesDropped.inc({ where: 'publish' });
    if (Date.now() - lastWarning < warnEveryMs) return;
    lastWarning = Date.now();
    opts.logger.warn(
      {
        event: 'finance.live.publish_failed',
        err: { message: (err as Error).message },
        merchantId,
        dropped,
      },
      'live update not published; the posting is committed, WebSocket clients miss it',
    );
  };
  // Connection errors are retried by ioredis in the background; they are reported when a publish fails.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (err) {
    // The worker posts without live updates until Redis answers (ioredis keeps reconnecting).
    opts.logger.warn(
      { event: 'finance.live.publish_failed', err: { message: (err as Error).message } },
      'Redis unreachable at start: live updates are not published until it answers',
    );
  }
  return {
    onPosted(voucher, kind) {
      const batch = liveBatchOf(voucher, kind);
      if (!batch) return;
      redis.publish(channel, JSON.stringify(batch)).catch((err: unknown) => failed(err, batch.merchantId));
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
