import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import dockerignoreModule from '@balena/dockerignore';
import {
  type Copy,
  DockerfileParser,
  type Env,
  type From,
  type Instruction,
  type JSONInstruction,
  type Run,
} from 'dockerfile-ast';

/**
 * The image of the repository's Dockerfile, assembled without Docker (this
 * machine and CI have no Docker engine): every instruction of every stage is
 * read from the Dockerfile itself and carried out on directories, so the
 * image cannot drift from what the test boots.
 *
 * - each stage is a directory; WORKDIR, ENV, COPY (from the build context
 *   filtered by .dockerignore, or `--from` an earlier stage) and RUN
 *   (`sh -c`, in the stage's working directory) act on it;
 * - one liberty: a RUN that installs the DEV dependencies (`npm ci` without
 *   `--omit=dev`, the build stage) links the checkout's node_modules instead,
 *   which `npm ci` installed from the same lockfile; the production install of
 *   the runtime image is run as written, in its own empty directory;
 * - `--chown` and `USER` are not applied (no root-owned files to protect
 *   here), `--mount=type=cache` is the local npm cache; any other flag or
 *   instruction makes the assembly fail rather than be guessed.
 */

export interface AssembledImage {
  /** The final stage's directory (the container's `/`). */
  root: string;
  /** The final stage's WORKDIR, as a path on this machine. */
  workdir: string;
  /** The final stage's ENV. */
  env: Record<string, string>;
  /** The final stage's CMD. */
  cmd: string[];
  /** The final stage's USER (not applied here). */
  user: string | undefined;
  /** One line per instruction carried out, for the test's log. */
  steps: string[];
}

interface Stage {
  name: string | undefined;
  root: string;
  workdir: string;
  env: Record<string, string>;
  cmd: string[];
  user: string | undefined;
}

// Its types declare an ES default export; at run time module.exports is the function itself.
const dockerignore = dockerignoreModule as unknown as typeof dockerignoreModule.default;

const IGNORED_KEYWORDS = new Set(['EXPOSE', 'LABEL', 'ARG', 'HEALTHCHECK', 'STOPSIGNAL']);

export async function assembleImage(options: {
  /** The build context (the repository). */
  context: string;
  /** An empty directory for the stages. */
  scratch: string;
  dockerfile?: string;
}): Promise<AssembledImage> {
  const { context, scratch } = options;
  const dockerfile = options.dockerfile ?? path.join(context, 'Dockerfile');
  const parsed = DockerfileParser.parse(readFileSync(dockerfile, 'utf8'));
  const included = contextFilter(context);
  const stages: Stage[] = [];
  const steps: string[] = [];
  let stage: Stage | undefined;

  for (const instruction of parsed.getInstructions()) {
    const keyword = instruction.getKeyword();
    const text = `${keyword} ${instruction.getArgumentsContent() ?? ''}`.trim();
    if (keyword === 'FROM') {
      const from = instruction as From;
      stage = {
        name: from.getBuildStage() ?? undefined,
        root: path.join(scratch, `stage-${stages.length}`),
        workdir: '/',
        env: {},
        cmd: [],
        user: undefined,
      };
      mkdirSync(stage.root, { recursive: true });
      stages.push(stage);
      steps.push(text);
      continue;
    }
    if (!stage) throw new Error(`Dockerfile: ${keyword} before FROM`);
    const here = (p: string) => path.join(stage!.root, path.posix.resolve(stage!.workdir, p));
    switch (keyword) {
      case 'WORKDIR':
        stage.workdir = path.posix.resolve(stage.workdir, argumentsOf(instruction)[0]!);
        mkdirSync(here('.'), { recursive: true });
        break;
      case 'ENV':
        for (const p of (instruction as Env).getProperties()) stage.env[p.getName()] = p.getValue() ?? '';
        break;
      case 'COPY': {
        const flags = flagsOf(instruction as Copy, ['from', 'chown']);
        const args = argumentsOf(instruction);
        const dest = args.pop()!;
        if (args.some((a) => /[*?[]/.test(a)))
          throw new Error(`Dockerfile: ${text}: wildcards not supported`);
        const into = dest.endsWith('/') || args.length > 1 || dest === '.';
        for (const source of args) {
          if (flags.from !== undefined) {
            const origin = stages.find((s) => s.name === flags.from);
            if (!origin) throw new Error(`Dockerfile: ${text}: no stage "${flags.from}"`);
            await copyTree(
              path.join(origin.root, path.posix.resolve(origin.workdir, source)),
              here(dest),
              into,
            );
          } else {
            copyFromContext(context, source, here(dest), into, included);
          }
        }
        break;
      }
      case 'RUN': {
        const flags = flagsOf(instruction as Run, ['mount']);
        if (flags.mount !== undefined && !flags.mount.startsWith('type=cache'))
          throw new Error(`Dockerfile: ${text}: only cache mounts are supported`);
        const command = instruction.getArgumentsContent() ?? '';
        if (/^npm ci\b/.test(command) && !command.includes('--omit=dev')) {
          symlinkSync(path.join(context, 'node_modules'), here('node_modules'), 'dir');
          steps.push(`${text}   [linked the checkout's node_modules, same lockfile]`);
          continue;
        }
        await shell(command, here('.'), {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          ...stage.env,
        }).catch((err: Error) => {
          throw new Error(`Dockerfile: ${text}: ${err.message}`);
        });
        break;
      }
      case 'CMD':
        stage.cmd = (instruction as JSONInstruction).getJSONStrings().map((s) => s.getJSONValue());
        if (stage.cmd.length === 0) throw new Error(`Dockerfile: ${text}: use the JSON (exec) form`);
        break;
      case 'USER':
        stage.user = argumentsOf(instruction)[0];
        break;
      default:
        if (!IGNORED_KEYWORDS.has(keyword)) throw new Error(`Dockerfile: ${keyword} is not supported here`);
    }
    steps.push(text);
  }
  const last = stages.at(-1);
  if (!last) throw new Error('Dockerfile: no stage');
  return {
    root: last.root,
    workdir: path.join(last.root, last.workdir),
    env: last.env,
    cmd: last.cmd,
    user: last.user,
    steps,
  };
}

function argumentsOf(instruction: Instruction): string[] {
  return instruction.getArguments().map((a) => a.getValue());
}

function flagsOf(instruction: Copy | Run, allowed: string[]): Record<string, string | undefined> {
  const flags: Record<string, string | undefined> = {};
  for (const flag of instruction.getFlags()) {
    if (!allowed.includes(flag.getName()))
      throw new Error(`Dockerfile: --${flag.getName()} on ${instruction.getKeyword()} is not supported here`);
    flags[flag.getName()] = flag.getValue() ?? undefined;
  }
  return flags;
}

/** What `docker build` sends as the context: every file .dockerignore does not exclude. */
function contextFilter(context: string): (relative: string) => boolean {
  const file = path.join(context, '.dockerignore');
  const rules = (existsSync(file) ? readFileSync(file, 'utf8') : '').split('\n');
  // Directories are skipped whole below, which a `!` re-inclusion inside one would contradict.
  if (rules.some((rule) => rule.trim().startsWith('!')))
    throw new Error('.dockerignore: `!` rules are not supported by this assembly');
  const ig = dockerignore({ ignorecase: false }).add(rules);
  return (relative) => !ig.ignores(relative);
}

function copyFromContext(
  context: string,
  source: string,
  dest: string,
  into: boolean,
  included: (relative: string) => boolean,
): void {
  const relative = path.posix.normalize(source).replace(/^\/+/, '');
  const from = path.join(context, relative);
  const files = listFiles(context, relative === '.' ? '' : relative, included);
  if (files.length === 0) throw new Error(`Dockerfile: COPY ${source}: nothing in the context`);
  const isDirectory = readdirSafe(from) !== undefined;
  for (const file of files) {
    const inSource = isDirectory ? path.relative(from, path.join(context, file)) : path.basename(file);
    const target = isDirectory || into ? path.join(dest, inSource) : dest;
    mkdirSync(path.dirname(target), { recursive: true });
    cpSync(path.join(context, file), target, { verbatimSymlinks: true });
  }
}

function readdirSafe(dir: string): string[] | undefined {
  try {
    return readdirSync(dir);
  } catch {
    return undefined;
  }
}

function listFiles(context: string, relative: string, included: (relative: string) => boolean): string[] {
  const entries = readdirSafe(path.join(context, relative));
  if (entries === undefined) return relative && included(relative) ? [relative] : [];
  return entries.flatMap((name) => {
    const child = relative ? `${relative}/${name}` : name;
    if (!included(child)) return [];
    return listFiles(context, child, included);
  });
}

/** A RUN line, without blocking this process (the test runner talks to it meanwhile). */
function shell(command: string, cwd: string, env: Record<string, string | undefined>): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (chunk: Buffer) => (out = (out + chunk.toString('utf8')).slice(-16 * 1024));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}\n${out}`))));
  });
}

const run = promisify(execFile);

/** COPY --from: a directory's content, or one file, hard-linked (same filesystem, no data copied). */
async function copyTree(source: string, dest: string, into: boolean): Promise<void> {
  if (!existsSync(source)) throw new Error(`Dockerfile: COPY --from: ${source} does not exist`);
  const isDirectory = readdirSafe(source) !== undefined;
  const target = into && !isDirectory ? path.join(dest, path.basename(source)) : dest;
  mkdirSync(path.dirname(target), { recursive: true });
  if (isDirectory) {
    mkdirSync(target, { recursive: true });
    await run('cp', ['-al', `${source}/.`, target]);
  } else {
    await run('cp', ['-l', source, target]);
  }
}
