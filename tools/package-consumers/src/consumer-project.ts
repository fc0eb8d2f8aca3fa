import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The netlab checkout these tests run in. */
export const WORKSPACE = path.resolve(__dirname, '../../..');

/** The published packages, by Nx project name; each builds to dist/packages/<name>. */
export const PACKAGES = ['protocol', 'transport-core', 'udp-transport', 'tcp-transport'] as const;
export type PackageName = (typeof PACKAGES)[number];

/** The workspace's own TypeScript compiler, so the consumer needs none of its own. */
export const TSC = path.join(WORKSPACE, 'node_modules/typescript/bin/tsc');

export interface RunResult {
  /** The exit code; null if a signal ended the process. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion and resolves with its exit code and output, whatever the code:
 * the caller asserts on them, so a failure shows what the command said. A command still
 * running after `timeoutMs` (default 240 s: tsc over the shipped .d.ts took 70 s on a
 * busy machine) is killed, and says so in `stderr`.
 */
const DEFAULT_TIMEOUT_MS = 240_000;

export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; timeoutMs?: number },
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        cwd: options.cwd,
        env: strangerEnvironment(),
        timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        if (error && code === null && !error.killed) return reject(error); // could not start
        if (error?.killed) {
          const limit = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
          stderr += `\n(killed: still running after ${limit} ms)`;
        }
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * The environment a stranger's shell would have. An `npm run test:all` in the workspace
 * exports npm_* settings (workspace root, prefix) that must not steer npm in the consumer
 * project; NODE_PATH could let Node find the workspace's modules; FORCE_COLOR (set by Nx)
 * would colour console.log's output.
 */
function strangerEnvironment(): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.toLowerCase().startsWith('npm_') && !keep.has(key.toLowerCase())) continue;
    if (key === 'NODE_PATH' || key === 'NODE_OPTIONS' || key === 'FORCE_COLOR') continue;
    env[key] = value;
  }
  // Nx and Jest force colours on; a stranger's piped output has none.
  env.NO_COLOR = '1';
  return env;
}

/** What `npm pack` made of one built package. */
export interface PackedPackage {
  name: string;
  version: string;
  /** Absolute path of the .tgz. */
  tarball: string;
  /** Paths inside the tarball, as npm lists them. */
  files: string[];
}

/** Packs dist/packages/<name> (the build output, as `nx release publish` would) into `destination`. */
export async function packBuiltPackage(
  name: PackageName,
  destination: string,
): Promise<PackedPackage> {
  const result = await run('npm', ['pack', '--json', '--pack-destination', destination], {
    cwd: path.join(WORKSPACE, 'dist/packages', name),
  });
  if (result.code !== 0) throw new Error(`npm pack ${name} failed:\n${result.stderr}`);
  const [packed] = JSON.parse(result.stdout) as {
    name: string;
    version: string;
    filename: string;
    files: { path: string }[];
  }[];
  return {
    name: packed.name,
    version: packed.version,
    tarball: path.join(destination, packed.filename),
    files: packed.files.map((file) => file.path).sort(),
  };
}

/** A new npm project in the system's temp directory, far from the workspace's node_modules. */
export interface ConsumerProject {
  dir: string;
  /** Output of the `npm install`. */
  install: RunResult;
  remove(): Promise<void>;
}

/**
 * Creates an empty project under os.tmpdir() and `npm install`s the given tarballs and
 * registry specs into it: nothing from the workspace but the tarballs.
 */
export async function createConsumerProject(
  installs: readonly string[],
  packageJson: Record<string, unknown> = {},
): Promise<ConsumerProject> {
  const dir = await mkdtemp(path.join(tmpdir(), 'netlab-consumer-'));
  const remove = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    await writeFile(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: 'a-stranger-service', private: true, ...packageJson }, null, 2),
    );
    const install = await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', ...installs],
      { cwd: dir },
    );
    if (install.code !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
    return { dir, install, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

/**
 * The code blocks a README marks as runnable, by file name: a `<!-- tested: name.mjs -->`
 * line, then a fenced `js` block. What a reader copies is what these tests run.
 */
export function testedExamples(readme: string): Map<string, string> {
  const examples = new Map<string, string>();
  for (const match of readme.matchAll(/<!-- tested: (\S+) -->\s*```js\n([\s\S]*?)```/g)) {
    examples.set(match[1], match[2]);
  }
  return examples;
}

/** Reads a file of the consumer project (or of a package installed in it). */
export function readProjectFile(project: ConsumerProject, relative: string): Promise<string> {
  return readFile(path.join(project.dir, relative), 'utf8');
}
