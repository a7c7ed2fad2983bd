import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { Snowflake } from '@sapphire/snowflake';

/** 2024-01-01T00:00:00Z: IDs stay short for decades. */
const EPOCH = 1_704_067_200_000n;

/**
 * Snowflake IDs (64-bit, time-ordered), serialized as decimal strings at the
 * edges. The configured node ID fills the 5 worker bits; the process bits come
 * from a hash of host name and PID, so replicas sharing one node ID rarely
 * collide: in a container every process is PID 1, but each pod has its own
 * host name. A collision is a primary-key violation that the posting
 * retries, never a silent overwrite.
 */
export class IdGenerator {
  private readonly snowflake = new Snowflake(EPOCH);
  private readonly workerId: bigint;
  private readonly processId: bigint;

  constructor(nodeId: number) {
    if (!Number.isInteger(nodeId) || nodeId < 0 || nodeId > 1023)
      throw new RangeError('node ID must be 0..1023');
    this.workerId = BigInt(nodeId & 31);
    const processBits = createHash('sha256').update(`${hostname()}:${process.pid}`).digest()[0]!;
    this.processId = BigInt(((nodeId >> 5) ^ processBits) & 31);
  }

  next(): bigint {
    return this.snowflake.generate({ workerId: this.workerId, processId: this.processId });
  }

  nextString(): string {
    return this.next().toString();
  }
}

const DECIMAL_ID = /^[1-9]\d{0,18}$/;

/** True for a decimal string that fits a positive signed 64-bit integer. */
export function isId(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL_ID.test(value) && BigInt(value) <= 9_223_372_036_854_775_807n;
}
