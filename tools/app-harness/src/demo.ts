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
 * the workspace root. Resolves once the client prompts, having checked that the demo said
 * where its server listens and where its logs go.
 */
export async function startDemo(pair: 'tcp' | 'udp'): Promise<Demo> {
  const terminal = Terminal.atWorkspaceRoot(pair === 'tcp' ? 'npm start' : 'npm start -- udp');
  const screen = await terminal.waitFor((text) => text.includes(PROMPT), DEMO_START_MS);
  const announced = new RegExp(
    `${pair}-server is listening on 127\\.0\\.0\\.1:\\d+ \\(JSON logs: `,
  );
  if (!announced.test(screen)) {
    throw new Error(`npm start did not say where ${pair}-server listens:\n${screen}`);
  }
  const logFile = path.join(WORKSPACE_ROOT, 'tmp', 'demo', `${pair}-server.log`);
  return { terminal, serverLog: () => readLogFile(logFile) };
}
