import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onCleanup, spawnProcess, type Exit, type Spawned } from '@netlab-tools/app-harness';
import {
  findStreamModule,
  haproxyConfig,
  nginxConfig,
  type Backend,
  type HaproxyConfigOptions,
  type NginxConfigOptions,
} from './configs';

/** A balancer running in the foreground as the current user, its files in a temp dir. */
export interface RunningBalancer extends Spawned {
  /** Holds the generated config, the pid file and (nginx) its prefix. */
  readonly runDir: string;
  /** The generated config, as the balancer read it. */
  readonly config: string;
}

const READY_TIMEOUT_MS = 10_000;

/**
 * Writes a HAProxy config for `options` and runs `haproxy -f CONF -db` (foreground, logs on
 * stdout); resolves once it accepts connections. Stopped (SIGTERM, then SIGKILL) and its
 * directory removed after the test.
 */
export async function startHaproxy(
  options: Omit<HaproxyConfigOptions, 'runDir'>,
): Promise<RunningBalancer> {
  const runDir = makeRunDir('haproxy');
  const config = haproxyConfig({ ...options, runDir });
  const file = path.join(runDir, 'haproxy.cfg');
  writeFileSync(file, config);
  return start('haproxy', ['-f', file, '-db'], runDir, config, options.listen);
}

/**
 * Writes an nginx config for `options` and runs `nginx -p DIR -c CONF -e stderr -g 'daemon
 * off;'` (foreground, its files under DIR); resolves once its TCP listener accepts
 * connections (the UDP one is opened from the same config, before it).
 */
export async function startNginx(
  options: Omit<NginxConfigOptions, 'runDir' | 'streamModule'>,
): Promise<RunningBalancer> {
  const runDir = makeRunDir('nginx');
  const config = nginxConfig({ ...options, runDir, streamModule: findStreamModule() });
  const file = path.join(runDir, 'nginx.conf');
  writeFileSync(file, config);
  const args = ['-p', `${runDir}/`, '-c', file, '-e', 'stderr', '-g', 'daemon off;'];
  return start('nginx', args, runDir, config, { host: options.host, port: options.tcpPort });
}

async function start(
  command: string,
  args: readonly string[],
  runDir: string,
  config: string,
  ready: Backend,
): Promise<RunningBalancer> {
  const spawned = spawnProcess(command, args);
  // Registered after spawnProcess's SIGKILL, so it runs first: nginx's master would leave
  // its worker (and the ports) behind if it were killed outright.
  onCleanup(() => stopGently(spawned));
  await acceptsConnections(ready, spawned, command);
  return { ...spawned, runDir, config };
}

/** A private directory for the balancer's files, removed after the test. */
function makeRunDir(name: string): string {
  const runDir = mkdtempSync(path.join(tmpdir(), `netlab-${name}-`));
  onCleanup(() => rmSync(runDir, { recursive: true, force: true }));
  return runDir;
}

/** SIGTERM (both stop at once on it), and SIGKILL if that takes more than 5 s. */
async function stopGently(spawned: Spawned): Promise<Exit> {
  const timer = setTimeout(() => spawned.child.kill('SIGKILL'), 5_000);
  try {
    return await spawned.stop('SIGTERM');
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Resolves once `target` accepts a TCP connection. Neither balancer says when it is ready
 * in a form to wait for, so this tries every 50 ms; it fails at once if the balancer exits
 * (its stderr says why: a bad config, a port taken).
 */
async function acceptsConnections(target: Backend, spawned: Spawned, name: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exit: Exit | undefined;
  void spawned.exited.then((value) => (exit = value));
  for (;;) {
    if (exit) {
      throw new Error(
        `${name} exited (${exit.code ?? exit.signal}) before accepting connections:\n${exit.stderr}${exit.stdout}`,
      );
    }
    if (await tryConnect(target)) return;
    if (Date.now() > deadline) {
      throw new Error(`${name} did not accept connections within ${READY_TIMEOUT_MS} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function tryConnect(target: Backend): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: target.host, port: target.port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
