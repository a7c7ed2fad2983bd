import { randomBytes } from 'node:crypto';
import { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../src/activities/index.js';
import { ConfigError } from '../../src/config/index.js';
import { parseTemporalConfig } from '../../src/config/temporal.js';
import { type PrismaClient } from '../../src/db/client.js';
import { dbOf } from '../../src/db/executor.js';
import { type PostingEvent } from '../../src/domain/events.js';
import { createTemporalClient } from '../../src/temporal/client.js';
import { connectionOptions } from '../../src/temporal/connection.js';
import { postEventStart, startWorkflow } from '../../src/temporal/workflow-starts.js';
import { createTestMerchant, testIds, testPrisma } from '../support/db.js';
import { testEnv, uniqueName } from '../support/env.js';
import { capturingLogger } from '../support/logs.js';
import { quietTemporalRuntime, withTestWorker } from '../support/temporal.js';
import { makeTestPki, startTlsProxy, type TestPki, type TlsProxy } from '../support/tls-proxy.js';

/**
 * TLS, mTLS and API keys on the Temporal connections, for real: the dev
 * server (v1.5.1) has no TLS options, so Debian's nginx terminates TLS in
 * front of it as a gRPC proxy, with certificates openssl makes for this run.
 * One listener requires a client certificate of the test CA; the other
 * requires the API key in `authorization`. The connections are configured
 * the way a deployment configures them: from APP_ENV_TEMPORAL_* variables.
 */
describe('Temporal over TLS', () => {
  const logs = capturingLogger('warn');
  let pki: TestPki;
  let proxy: TlsProxy;
  let prisma: PrismaClient;

  beforeAll(async () => {
    // Before any connection: a connection made first would install the SDK's default (noisy) runtime.
    quietTemporalRuntime();
    pki = makeTestPki();
    proxy = await startTlsProxy(pki, testEnv.temporalAddress, `test-key-${randomBytes(12).toString('hex')}`);
    prisma = await testPrisma(2);
  });

  afterAll(async () => {
    await proxy?.stop();
    await prisma?.$disconnect();
  });

  const config = (env: Record<string, string>) =>
    parseTemporalConfig({ APP_ENV_TEMPORAL_NAMESPACE: testEnv.temporalNamespace, ...env });
  const mtlsEnv = () => ({
    APP_ENV_TEMPORAL_ADDRESS: proxy.mtlsAddress,
    APP_ENV_TEMPORAL_TLS_CA_FILE: pki.caFile,
    APP_ENV_TEMPORAL_TLS_CERT_FILE: pki.clientCertFile,
    APP_ENV_TEMPORAL_TLS_KEY_FILE: pki.clientKeyFile,
    APP_ENV_TEMPORAL_TLS_SERVER_NAME: pki.serverName,
  });

  it('runs a posting workflow end to end over mTLS: client and worker both through the proxy', async () => {
    const temporal = config({ ...mtlsEnv(), APP_ENV_TEMPORAL_TASK_QUEUE: uniqueName('tls') });
    const { client, connection } = await createTemporalClient({
      transport: temporal.transport,
      namespace: temporal.namespace,
    });
    const native = await NativeConnection.connect(connectionOptions(temporal.transport));
    try {
      const merchant = await createTestMerchant(prisma, logs.logger);
      const event: PostingEvent = {
        id: uniqueName('evt-tls'),
        type: 'inventory.received',
        merchantId: merchant.merchantId,
        occurredAt: '2026-11-25T10:00:00Z',
        data: { receiptId: uniqueName('rcpt'), currency: 'USD', total: '10.00' },
      };
      const activities = createActivities({ db: dbOf(prisma), ids: testIds, logger: logs.logger });
      const worker = {
        taskQueue: temporal.taskQueue,
        namespace: temporal.namespace,
        connection: native,
        activities,
      };
      const handle = await startWorkflow(client, temporal.taskQueue, postEventStart(event, {}));
      expect(await withTestWorker(worker, () => handle.result())).toMatchObject({ outcome: 'posted' });
    } finally {
      await native.close();
      await connection.close();
    }
  });

  /** The client connects lazily: a first call is what meets the proxy's refusal. */
  const firstCall = async (transport: ReturnType<typeof config>['transport']) => {
    const { client, connection } = await createTemporalClient({
      transport,
      namespace: testEnv.temporalNamespace,
    });
    try {
      // A refused handshake is UNAVAILABLE, which the client retries for ~20 s: bound it.
      await client.withDeadline(Date.now() + 5_000, () =>
        client.workflowService.describeNamespace({ namespace: testEnv.temporalNamespace }),
      );
    } finally {
      await connection.close();
    }
  };

  it('is refused without a client certificate, and refuses a server its CA did not sign', async () => {
    const {
      APP_ENV_TEMPORAL_TLS_CERT_FILE: _c,
      APP_ENV_TEMPORAL_TLS_KEY_FILE: _k,
      ...noClientCert
    } = mtlsEnv();
    await expect(firstCall(config(noClientCert).transport)).rejects.toThrow();
    const strangerCa = config({ ...mtlsEnv(), APP_ENV_TEMPORAL_TLS_CA_FILE: pki.strangerCaFile });
    await expect(firstCall(strangerCa.transport)).rejects.toThrow();
    await expect(NativeConnection.connect(connectionOptions(strangerCa.transport))).rejects.toThrow(
      /UnknownIssuer/,
    );
  });

  it('sends the API key from every kind of connection, and is refused without it', async () => {
    const withKey = config({
      APP_ENV_TEMPORAL_ADDRESS: proxy.apiKeyAddress,
      APP_ENV_TEMPORAL_TLS_CA_FILE: pki.caFile,
      APP_ENV_TEMPORAL_TLS_SERVER_NAME: pki.serverName,
      APP_ENV_TEMPORAL_API_KEY: proxy.apiKey,
    });
    const { client, connection } = await createTemporalClient({
      transport: withKey.transport,
      namespace: withKey.namespace,
    });
    try {
      const described = await client.workflowService.describeNamespace({ namespace: withKey.namespace });
      expect(described.namespaceInfo?.name).toBe(withKey.namespace);
    } finally {
      await connection.close();
    }
    const native = await NativeConnection.connect(connectionOptions(withKey.transport));
    await native.close();

    const { apiKey: _key, ...withoutKey } = withKey.transport;
    await expect(firstCall(withoutKey)).rejects.toThrow();
    const wrongKey = { ...withKey.transport, apiKey: 'not-the-key' };
    await expect(firstCall(wrongKey)).rejects.toThrow();
  });

  it('refuses configurations that would connect in clear or half-configured', () => {
    const problems = (env: Record<string, string>) => {
      try {
        config(env);
        return [];
      } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
      }
    };
    expect(problems({ APP_ENV_TEMPORAL_TLS: 'false', APP_ENV_TEMPORAL_API_KEY: 'k' })).toEqual([
      expect.stringMatching(/^APP_ENV_TEMPORAL_TLS: .*never sent in clear/),
    ]);
    expect(problems({ APP_ENV_TEMPORAL_TLS_CERT_FILE: pki.clientCertFile })).toEqual([
      expect.stringMatching(/needs both the client certificate and its key/),
    ]);
    expect(problems({ APP_ENV_TEMPORAL_TLS_CA_FILE: '/nonexistent/ca.pem' })).toEqual([
      expect.stringMatching(/^APP_ENV_TEMPORAL_TLS_CA_FILE: cannot read \/nonexistent\/ca.pem: ENOENT/),
    ]);
    expect(problems({ APP_ENV_TEMPORAL_PAYLOAD_KEYS: 'k1:c2hvcnQ=' })).toEqual([
      expect.stringMatching(/^APP_ENV_TEMPORAL_PAYLOAD_KEYS: each entry must be/),
    ]);
    // An API key alone implies TLS (system roots); nothing set stays plaintext, as for the dev server.
    expect(config({ APP_ENV_TEMPORAL_API_KEY: 'k' }).transport.tls).toEqual({});
    expect(config({}).transport.tls).toBeNull();
  });
});
