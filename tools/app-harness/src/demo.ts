import { mkdir, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { readLogFile, type LogLine } from './log-lines';
import { WORKSPACE_ROOT } from './paths';
import { Terminal } from './terminal';

/** The prompt both clients show on a terminal (docs/contract.md). */
const PROMPT = 'Enter message to send or type Exit to disconnect:';

/** npm, then Nx checking the build of the pair, then the server's start: seconds, not ms. */
const DEMO_START_MS = 60_000;

export interface Demo {
  /** The terminal the client runs in, at its first prompt. */
  terminal: Terminal;
  /** The JSON lines the demo's server wrote to its log file so far. */
  serverLog(): LogLine[];
}

/**
 * `npm start` (or `npm start -- udp`), the README's first command, typed in a fresh shell at
 * the workspace root, over the log an earlier run left behind. Resolves once the client prompts, having checked that the demo said
 * where its server listens and where its logs go.
 */
export async function startDemo(pair: 'tcp' | 'udp'): Promise<Demo> {
  const logFile = path.join(WORKSPACE_ROOT, 'tmp', 'demo', `${pair}-server.log`);
  await leaveStaleLog(logFile);
  const terminal = Terminal.atWorkspaceRoot(pair === 'tcp' ? 'npm start' : 'npm start -- udp');
  const screen = await terminal.waitFor((text) => text.includes(PROMPT), DEMO_START_MS);
  const announced = new RegExp(
    `${pair}-server is listening on 127\\.0\\.0\\.1:\\d+ \\(JSON logs: `,
  );
  if (!announced.test(screen)) {
    throw new Error(`npm start did not say where ${pair}-server listens:\n${screen}`);
  }
  return { terminal, serverLog: () => readLogFile(logFile) };
}

/**
 * Leaves in the demo's log file what an earlier run would have: its server's `Listening at`,
 * on a port that nobody listens on now. A demo that read it instead of its own server's line
 * would send the client to that port and fail with "connection refused".
 */
async function leaveStaleLog(logFile: string): Promise<void> {
  const gone = net.createServer();
  await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
  const { port } = gone.address() as net.AddressInfo;
  await new Promise<void>((resolve) => gone.close(() => resolve()));
  const stale = { level: 30, address: '127.0.0.1', port, family: 'IPv4', msg: 'Listening at' };
  await mkdir(path.dirname(logFile), { recursive: true });
  await writeFile(logFile, `${JSON.stringify(stale)}\n`);
}
