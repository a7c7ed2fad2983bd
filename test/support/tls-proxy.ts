import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** PEM files made for one test run by openssl: a CA, a server certificate and a client certificate. */
export interface TestPki {
  dir: string;
  caFile: string;
  serverName: string;
  clientCertFile: string;
  clientKeyFile: string;
  /** A CA nobody signed anything with: a client trusting only it must refuse the server. */
  strangerCaFile: string;
}

const openssl = (dir: string, ...args: string[]) =>
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

/** Certificates made with openssl (EC P-256, valid one day), server name `temporal.test`. */
export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'sf-pki-'));
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  for (const ca of ['ca', 'stranger-ca'])
    openssl(
      dir,
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      `${ca}.key`,
      '-out',
      `${ca}.crt`,
      '-subj',
      `/CN=${ca}`,
      '-days',
      '1',
    );
  const issue = (name: string, cn: string, extensions: string) => {
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl(dir, 'req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl(
      dir,
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  };
  issue('server', 'temporal.test', 'subjectAltName=DNS:temporal.test\nextendedKeyUsage=serverAuth\n');
  issue('client', 'seller-finance', 'extendedKeyUsage=clientAuth\n');
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    serverName: 'temporal.test',
    clientCertFile: join(dir, 'client.crt'),
    clientKeyFile: join(dir, 'client.key'),
    strangerCaFile: join(dir, 'stranger-ca.crt'),
  };
}

export interface TlsProxy {
  /** Requires a client certificate signed by the test CA (mTLS). */
  mtlsAddress: string;
  /** Server TLS only; requires `authorization: Bearer <apiKey>` like a cloud frontend's API-key check. */
  apiKeyAddress: string;
  apiKey: string;
  stop(): Promise<void>;
}

/**
 * Debian's nginx as a TLS-terminating gRPC proxy (`grpc_pass`) in front of a
 * plaintext Temporal frontend: the dev server cannot serve TLS itself. Runs
 * in the foreground as a child of the test, from a config in its own folder.
 */
export async function startTlsProxy(pki: TestPki, upstream: string, apiKey: string): Promise<TlsProxy> {
  const [mtlsPort, apiKeyPort] = [await freePort(), await freePort()];
  const dir = join(pki.dir, 'nginx');
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  chmodSync(join(dir, 'tmp'), 0o777);
  const tls = `
    ssl_certificate ${pki.dir}/server.crt;
    ssl_certificate_key ${pki.dir}/server.key;
    grpc_read_timeout 300s;
    grpc_send_timeout 300s;
    client_max_body_size 16m;`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  server {
    listen 127.0.0.1:${mtlsPort} ssl http2;
    ${tls}
    ssl_client_certificate ${pki.caFile};
    ssl_verify_client on;
    location / { grpc_pass grpc://${upstream}; }
  }
  server {
    listen 127.0.0.1:${apiKeyPort} ssl http2;
    ${tls}
    location / {
      if ($http_authorization != "Bearer ${apiKey}") { return 401; }
      grpc_pass grpc://${upstream};
    }
  }
}
`,
  );
  const child: ChildProcess = spawn('/usr/sbin/nginx', ['-p', dir, '-c', join(dir, 'nginx.conf')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const listening = (port: number) =>
    new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  const deadline = Date.now() + 10_000;
  while (!((await listening(mtlsPort)) && (await listening(apiKeyPort)))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      let log = '';
      try {
        log = readFileSync(join(dir, 'error.log'), 'utf8');
      } catch {
        // no log yet
      }
      throw new Error(`nginx did not start: ${stderr}${log}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    mtlsAddress: `127.0.0.1:${mtlsPort}`,
    apiKeyAddress: `127.0.0.1:${apiKeyPort}`,
    apiKey,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGQUIT');
        await exited;
      }
      rmSync(pki.dir, { recursive: true, force: true });
    },
  };
}
