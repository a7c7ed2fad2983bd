import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueName } from '../support/env.js';
import { type AssembledImage, assembleImage } from '../support/image.js';
import { deleteRoleTopics, freePort, roleEnvironment, startService } from '../support/roles.js';

/**
 * The shipped image runs every role. The image is assembled from the
 * Dockerfile's own instructions (test/support/image.ts: build stage, a
 * production-only `npm ci` in an empty directory, the runtime stage's COPY
 * lines), then each RUN_MODE is started from it with the image's CMD and ENV
 * against the real stack: migrate until it exits 0, the others until
 * `/readyz` answers 200.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const scratch = mkdtempSync(path.join(tmpdir(), 'sf-image-'));
const env = roleEnvironment(uniqueName('image'));
let image: AssembledImage;

/** The container's environment: the image's ENV, the role's settings, nothing of this checkout. */
const containerEnv = (runMode: string) => ({
  PATH: process.env.PATH,
  HOME: scratch,
  ...image.env,
  ...env,
  RUN_MODE: runMode,
});

/** Runs a command to its end; resolves with its exit code and output, never rejects. */
async function runToEnd(command: string[], runEnv: Record<string, string | undefined>) {
  return promisify(execFile)(command[0]!, command.slice(1), {
    cwd: image.workdir,
    env: runEnv,
    encoding: 'utf8',
    timeout: 120_000,
  }).then(
    ({ stdout, stderr }) => ({ status: 0, output: `${stdout}${stderr}` }),
    (err: { code?: number; stdout?: string; stderr?: string }) => ({
      status: err.code ?? -1,
      output: `${err.stdout ?? ''}${err.stderr ?? ''}`,
    }),
  );
}

beforeAll(async () => {
  image = await assembleImage({ context: ROOT, scratch });
  console.log(`image assembled in ${scratch}:\n  ${image.steps.join('\n  ')}`);
}, 600_000);

afterAll(async () => {
  await deleteRoleTopics(env).catch(() => undefined);
  await rm(scratch, { recursive: true, force: true });
});

describe('the image (Dockerfile, assembled without Docker)', () => {
  it('holds the build output and production dependencies only', () => {
    const at = (p: string) => path.join(image.workdir, p);
    expect(image.cmd).toEqual(['node', 'dist/main.js']);
    expect(image.env.NODE_ENV).toBe('production');
    expect(existsSync(at('dist/main.js'))).toBe(true);
    expect(existsSync(at('node_modules/@prisma/client'))).toBe(true);
    expect(existsSync(at('node_modules/vitest')), 'a dev dependency in the image').toBe(false);
    expect(existsSync(at('node_modules/tsx')), 'a dev dependency in the image').toBe(false);
    expect(existsSync(at('src')), 'sources in the image').toBe(false);
  });

  it('RUN_MODE=migrate applies the migrations and exits 0', async () => {
    const run = await runToEnd(image.cmd, containerEnv('migrate'));
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('database migrations up to date');
  });

  it.each(['api', 'worker', 'ingest', 'all'])(
    'RUN_MODE=%s starts from the image and becomes ready',
    { timeout: 240_000 },
    async (runMode) => {
      const service = startService({
        command: image.cmd,
        cwd: image.workdir,
        env: containerEnv(runMode),
        port: await freePort(),
      });
      let exitCode: number | null;
      try {
        const ready = await service.waitForReadiness((r) => r.status === 200, 180_000);
        expect(ready.body.status).toBe('ready');
      } finally {
        exitCode = await service.stop();
      }
      expect(exitCode, 'exit code after SIGTERM').toBe(0);
    },
  );

  it('the manual migration of the original runbook works inside the image: `npm run migrate`', async () => {
    // As `kubectl exec -it deploy/finance -- npm run migrate` runs it: in an api container.
    const run = await runToEnd(['npm', 'run', 'migrate'], {
      ...containerEnv('api'),
      npm_config_cache: path.join(scratch, 'npm-cache'),
    });
    expect(run.status, run.output).toBe(0);
    expect(run.output).toContain('database migrations up to date');
  });
});
