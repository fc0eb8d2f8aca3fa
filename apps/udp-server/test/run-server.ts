import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';

export const SERVER_MAIN = path.resolve(__dirname, '../../../dist/apps/udp-server/main.js');

export interface LogLine {
  msg: string;
  [field: string]: unknown;
}

export interface RunningServer {
  child: ChildProcessWithoutNullStreams;
  port: number;
  logs: LogLine[];
  /** Resolves with the first log line (already seen or still to come) that matches. */
  waitForLog(predicate: (line: LogLine) => boolean): Promise<LogLine>;
  exited: Promise<{ code: number | null; stderr: string }>;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; stderr: string }>;
}

/** Spawns the built udp-server and resolves once its `Listening at` line gives the real port. */
export async function runServer(args: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, [SERVER_MAIN, '--port', '0', ...args], { stdio: 'pipe' });
  const logs: LogLine[] = [];
  const waiters: { predicate: (line: LogLine) => boolean; resolve(line: LogLine): void }[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = JSON.parse(text) as LogLine;
    logs.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.predicate(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  const exited = new Promise<{ code: number | null; stderr: string }>((resolve) =>
    child.on('close', (code) => resolve({ code, stderr })),
  );
  const waitForLog = (predicate: (line: LogLine) => boolean): Promise<LogLine> => {
    const seen = logs.find(predicate);
    return seen
      ? Promise.resolve(seen)
      : new Promise((resolve) => waiters.push({ predicate, resolve }));
  };
  const listening = await Promise.race([
    waitForLog((line) => line.msg === 'Listening at'),
    exited.then(({ code, stderr: text }) => {
      throw new Error(`udp-server exited with ${code} before listening: ${text}`);
    }),
  ]);
  return {
    child,
    port: listening.port as number,
    logs,
    waitForLog,
    exited,
    stop: (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** Runs a command to completion, feeding it `input` on stdin. */
export function runToEnd(
  command: string,
  args: string[],
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
