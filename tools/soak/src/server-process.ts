import { readdirSync } from 'node:fs';
import { appMain, launchServer } from '@netlab-tools/app-harness';
import { ServerLog } from './server-log';

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
 * A built server (dist/apps/<app>/main.js) on 127.0.0.1, port 0, started by the tools' one
 * launcher (app-harness launchServer), its log read as a stream: not app-harness's
 * startServer, which keeps every line for a test to look at, which a soak of millions of
 * lines cannot afford.
 */
export async function startSoakServer(
  app: 'tcp-server' | 'udp-server',
  args: readonly string[],
): Promise<SoakServer> {
  const log = new ServerLog();
  const server = await launchServer({
    name: app,
    command: process.execPath,
    args: [appMain(app), '--host', '127.0.0.1', '--port', '0', ...args],
    onStdoutLine: (line) => log.add(line),
  });
  return {
    app,
    pid: server.pid,
    port: server.port,
    log,
    stderr: server.stderr,
    alive: server.alive,
    exited: server.exited,
    stop: () => server.stop(),
    openFiles: () => readdirSync(`/proc/${server.pid}/fd`).length,
  };
}
