import { type DataConverter } from '@temporalio/common';
import { type PayloadKey, type TemporalTransport } from '../config/temporal.js';
import { AesGcmPayloadCodec } from './payload-codec.js';

/**
 * The one place Temporal connections get their transport: TLS (server CA,
 * client certificate for mTLS, server name) and the API key, for the
 * clients of api and ingest (and any ops command) and the worker's
 * NativeConnection alike, so no connection is made in clear by accident.
 */
export function connectionOptions(transport: TemporalTransport) {
  return {
    address: transport.address,
    ...(transport.tls ? { tls: transport.tls } : {}),
    ...(transport.apiKey ? { apiKey: transport.apiKey } : {}),
  };
}

/** Where a client or worker reaches Temporal, and the keys its payloads are encrypted with. */
export interface TemporalEndpoint {
  address: string;
  /** TLS and API key (config `transport`); absent: plain TCP to `address`. */
  tls?: TemporalTransport['tls'];
  apiKey?: string;
  /** Encrypts payloads (payload-codec.ts); must match every client's and worker's keys. */
  payloadKeys?: readonly PayloadKey[];
  namespace: string;
  taskQueue: string;
}

/**
 * The data converter of every client and of the worker: with payload keys,
 * payloads are encrypted (payload-codec.ts). Search attributes never go
 * through a codec: they stay readable and filterable in the Temporal UI.
 */
export function dataConverter(payloadKeys: readonly PayloadKey[] = []): DataConverter {
  return payloadKeys.length > 0 ? { payloadCodecs: [new AesGcmPayloadCodec(payloadKeys)] } : {};
}
