import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface RoleProcess {
  readonly pid: number | undefined;
  /** Resolves once the role logged `seller-finance ready` (false if it exited first). */
  readonly ready: Promise<boolean>;
  readonly exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): void;
}

/**
 * Runs `src/main.ts` with one RUN_MODE as a child process, exactly as
 * `npm start` would, its JSON log appended to `logFile`. Crash tests SIGKILL
 * these: no shutdown hook runs, like a node lost in production.
 */
export function spawnRole(
  role: 'ingest' | 'worker',
  env: Record<string, string>,
  logFile: string,
): RoleProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: ROOT,
    // PORT 0: each process's health/metrics server takes a free port, so several roles can run side by side.
    env: { ...process.env, PORT: '0', ...env, RUN_MODE: role, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<boolean>((resolve) => {
    let tail = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-4096);
      if (tail.includes('"msg":"seller-finance ready"')) resolve(true);
    });
    void exited.then(() => resolve(false));
  });
  return {
    pid: child.pid,
    ready,
    exited,
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
