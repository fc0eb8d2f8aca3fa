// The one way the tools start a server process and learn it is ready: the end-to-end tests
// (startServer), the soak (startSoakServer) and the bench (ServerProcess) all launch here.
// Ready means the server logged `Listening at` (read from its stdout, or from the file its
// stdout went to), or, for a server whose log level hides that line, that /proc shows its
// listening (TCP) or bound (UDP) socket. The real port comes from the same place.

import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { findListeningPort, type Transport } from './listening-socket';
import type { LogLine } from './log-lines';

export interface LaunchOptions {
  /** How messages name the server (an app or a baseline). */
  name: string;
  command: string;
  args: readonly string[];
  /** Send stdout to this file, as an operator's redirect would, instead of a pipe. */
  stdoutFile?: string;
  /** Every stdout line as it comes (piped stdout only), from the first one on. */
  onStdoutLine?: (line: string) => void;
  /** Every stderr chunk as it comes. */
  onStderr?: (text: string) => void;
  /**
   * For a server whose log level hides `Listening at`: ready once /proc shows its socket on
   * this transport (a `--workers` server's primary holds it).
   */
  silentOn?: Transport;
  /** The server's environment, instead of this process's own. */
  env?: NodeJS.ProcessEnv;
  /** stdin of the child: ignored unless a caller types into it. */
  stdin?: 'ignore' | 'pipe';
  /** Default 15 s: generous for a loaded machine, where node alone can take seconds to start. */
  timeoutMs?: number;
}

export interface ServerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchedServer {
  readonly name: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The real port (0 for a server on a Unix socket). */
  readonly port: number;
  /** The `Listening at` line, unless the server was found through /proc (`silentOn`). */
  readonly listening: LogLine | undefined;
  /** From spawn to ready, in milliseconds. */
  readonly startupMs: number;
  readonly exited: Promise<ServerExit>;
  /** True until the process exits. */
  alive(): boolean;
  /** The first 64 KiB of stderr: a server that works writes nothing there. */
  stderr(): string;
  /**
   * Sends `signal` (SIGTERM) if the process still runs and resolves with how it ended; after
   * `killAfterMs` (when given) it is killed with SIGKILL and `killed` is true.
   */
  stop(options?: {
    signal?: NodeJS.Signals;
    killAfterMs?: number;
  }): Promise<ServerExit & { killed: boolean }>;
}

const DEFAULT_TIMEOUT_MS = 15_000;
const POLL_MS = 5;
const KEPT_STDERR = 64 * 1024;

/** The `Listening at` line of a server's JSON log, parsed, or undefined for any other line. */
export function parseListeningLine(text: string): LogLine | undefined {
  if (!text.includes('"Listening at"')) return undefined;
  try {
    const line: unknown = JSON.parse(text);
    if (typeof line === 'object' && line !== null && (line as LogLine).msg === 'Listening at') {
      return line as LogLine;
    }
  } catch {
    // not JSON: not the line
  }
  return undefined;
}

/** Starts a server and resolves once it is ready; rejects (and kills it) if it never is. */
export function launchServer(options: LaunchOptions): Promise<LaunchedServer> {
  const startedAt = performance.now();
  const stdoutFd = options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, 'w');
  const child = spawn(options.command, [...options.args], {
    stdio: [options.stdin ?? 'ignore', stdoutFd ?? 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  if (stdoutFd !== undefined) closeSync(stdoutFd);

  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    if (stderr.length < KEPT_STDERR) stderr += text.slice(0, KEPT_STDERR - stderr.length);
    options.onStderr?.(text);
  });
  let running = true;
  const exited = new Promise<ServerExit>((resolve) =>
    child.once('close', (code, signal) => {
      running = false;
      resolve({ code, signal });
    }),
  );
  let onListeningLine: ((line: LogLine) => void) | undefined;
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (text) => {
      options.onStdoutLine?.(text);
      const line = onListeningLine && parseListeningLine(text);
      if (line) onListeningLine!(line);
    });
  }

  return new Promise((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let poller: NodeJS.Timeout | undefined;
    let done = false;
    const timer = setTimeout(
      () => fail(`did not start listening within ${timeoutMs / 1000} s`),
      timeoutMs,
    );
    const settle = () => {
      done = true;
      clearTimeout(timer);
      clearInterval(poller);
      onListeningLine = undefined;
    };
    const fail = (reason: string) => {
      if (done) return;
      settle();
      child.kill('SIGKILL');
      const shown = stderr.trim().slice(-2_000);
      reject(new Error(`${options.name} ${reason}${shown ? `; its stderr:\n${shown}` : ''}`));
    };
    const ready = (port: number, listening: LogLine | undefined) => {
      if (done) return;
      settle();
      resolve(launched(options.name, child, port, listening, performance.now() - startedAt));
    };
    const fromLine = (line: LogLine) => ready(typeof line.port === 'number' ? line.port : 0, line);

    const { stdoutFile, silentOn } = options;
    if (silentOn !== undefined) {
      poller = setInterval(() => {
        const port = child.pid === undefined ? undefined : findListeningPort(child.pid, silentOn);
        if (port !== undefined) ready(port, undefined);
      }, POLL_MS);
    } else if (stdoutFile !== undefined) {
      poller = setInterval(() => {
        const line = listeningLineIn(stdoutFile);
        if (line) fromLine(line);
      }, POLL_MS);
    } else {
      onListeningLine = fromLine;
    }
    child.once('error', (error) => fail(`could not be started: ${error.message}`));
    void exited.then((exit) => {
      // A server that wrote the line to its file just before it died still said it.
      const line = stdoutFile !== undefined ? listeningLineIn(stdoutFile) : undefined;
      if (line) return fromLine(line);
      fail(`${describeExit(exit)} before it was listening`);
    });
  });

  function launched(
    name: string,
    process: ChildProcess,
    port: number,
    listening: LogLine | undefined,
    startupMs: number,
  ): LaunchedServer {
    return {
      name,
      child: process,
      pid: process.pid!,
      port,
      listening,
      startupMs,
      exited,
      alive: () => running,
      stderr: () => stderr,
      stop: async ({ signal = 'SIGTERM', killAfterMs } = {}) => {
        if (running) process.kill(signal);
        if (killAfterMs === undefined) return { ...(await exited), killed: false };
        let timer: NodeJS.Timeout | undefined;
        const killed = await Promise.race([
          exited.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), killAfterMs))),
        ]);
        clearTimeout(timer);
        if (killed) process.kill('SIGKILL');
        return { ...(await exited), killed };
      },
    };
  }
}

/** How a process ended, in words: `exited with code 1`, `was killed by SIGKILL`. */
export function describeExit(exit: ServerExit): string {
  return exit.signal !== null ? `was killed by ${exit.signal}` : `exited with code ${exit.code}`;
}

function listeningLineIn(file: string): LogLine | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const listening = parseListeningLine(line);
    if (listening) return listening;
  }
  return undefined;
}
