import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { appMain } from '@netlab-tools/app-harness';
import { ServerLog } from './server-log';

const START_TIMEOUT_MS = 10_000;
const KEPT_STDERR = 64 * 1024;

export interface SoakServer {
  readonly app: 'tcp-server' | 'udp-server';
  readonly pid: number;
  readonly port: number;
  readonly log: ServerLog;
  /** The first 64 KiB of stderr: a server that works writes nothing there. */
  readonly stderr: () => string;
  /** True until the process exits. */
  readonly alive: () => boolean;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then its exit. */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Descriptors the process has open now (sockets among them), from /proc/<pid>/fd. */
  openFiles(): number;
}

/**
 * A built server (dist/apps/<app>/main.js) on 127.0.0.1, port 0, its log read as a stream.
 * Not app-harness's startServer: that one keeps every line for a test to look at, which a
 * soak of millions of lines cannot afford.
 */
export async function startSoakServer(
  app: 'tcp-server' | 'udp-server',
  args: readonly string[],
): Promise<SoakServer> {
  const child = spawn(
    process.execPath,
    [appMain(app), '--host', '127.0.0.1', '--port', '0', ...args],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const log = new ServerLog(child.stdout);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < KEPT_STDERR) stderr += text;
  });
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );
  const listening = await Promise.race([
    log.waitUntil(() => log.listening !== undefined, START_TIMEOUT_MS),
    exited.then(() => false),
  ]);
  if (!listening || child.pid === undefined) {
    child.kill('SIGKILL');
    throw new Error(`${app} did not start: ${stderr || 'no "Listening at" line'}`);
  }
  return {
    app,
    pid: child.pid,
    port: Number(log.listening!.port),
    log,
    stderr: () => stderr,
    alive: () => running,
    exited,
    stop: () => {
      if (running) child.kill('SIGTERM');
      return exited;
    },
    openFiles: () => readdirSync(`/proc/${child.pid}/fd`).length,
  };
}
