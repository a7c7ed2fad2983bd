import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './roles.js';

export interface TcpGate {
  /** `127.0.0.1:<port>`: where a process under test is told its dependency is. */
  readonly address: string;
  readonly port: number;
  /** From now on connections reach the real service. */
  open(): Promise<void>;
  /** From now on nothing listens (connection refused), and open connections are cut. */
  close(): Promise<void>;
}

/**
 * A dependency that is "down" without touching the shared service: a port of
 * the test's own where nothing listens until `open()`, and which then relays
 * every connection to the real service. Kafka clients only bootstrap through
 * it (the broker then advertises its own address), which is what a process
 * needs at boot.
 */
export async function tcpGate(target: string): Promise<TcpGate> {
  const [host, portText] = splitHostPort(target);
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;

  return {
    address: `127.0.0.1:${port}`,
    port,
    async open() {
      if (server) return;
      server = createServer((inbound) => {
        const outbound = connect({ host, port: Number(portText) });
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.once('close', () => sockets.delete(s));
          s.on('error', () => {
            inbound.destroy();
            outbound.destroy();
          });
        }
        inbound.pipe(outbound).pipe(inbound);
      });
      const listening = server;
      await new Promise<void>((resolve, reject) => {
        listening.once('error', reject);
        listening.listen(port, '127.0.0.1', () => resolve());
      });
    },
    async close() {
      const closing = server;
      server = undefined;
      if (!closing) return;
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => closing.close(() => resolve()));
    },
  };
}

function splitHostPort(address: string): [string, string] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at), address.slice(at + 1)];
}
