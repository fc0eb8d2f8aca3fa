import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { onCleanup } from './cleanup';
import { LogCollector, type LogLine } from './log-lines';
import { appMain, type AppName } from './paths';
import { launchServer } from './server-launcher';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A child process with its output kept, and a promise of how it ended. */
export interface Spawned {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything written to stdout and stderr so far. */
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<Exit>;
  /** Sends `signal` if the process still runs; resolves with how it ended. */
  stop(signal?: NodeJS.Signals): Promise<Exit>;
}

/** Spawns a process with piped stdio; it is killed after the test if still running. */
export function spawnProcess(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv } = {},
): Spawned {
  const child = spawn(command, [...args], { stdio: 'pipe', env: options.env ?? process.env });
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output.stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output.stderr += chunk));
  // A child that exits before reading its input must not crash the test with EPIPE.
  child.stdin.on('error', () => undefined);
  const exited = new Promise<Exit>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, ...output }));
  });
  const stop = (signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  onCleanup(() => stop('SIGKILL'));
  return { child, output, exited, stop };
}

/** Runs a command to completion, with `input` on its stdin. */
export function runToEnd(
  command: string,
  args: readonly string[],
  input = '',
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<Exit> {
  const run = spawnProcess(command, args, options);
  run.child.stdin.end(input);
  return run.exited;
}

/**
 * Runs a built app (`node dist/apps/<app>/main.js ARGS`) to completion with `input` piped in;
 * `env` replaces the environment it inherits.
 */
export function runApp(
  app: AppName,
  args: readonly string[],
  input = '',
  options: { env?: NodeJS.ProcessEnv } = {},
): Promise<Exit> {
  return runToEnd(process.execPath, [appMain(app), ...args], input, options);
}

export interface RunningServer extends Spawned {
  /** The JSON log lines of the server (stdout). */
  readonly logs: LogCollector;
  /** The `Listening at` line. */
  readonly listening: LogLine;
  /** The real port from `Listening at` (0 for a Unix socket). */
  readonly port: number;
}

/** How startServer runs the server process. */
export interface ServerProcessOptions {
  /**
   * The process's limit on open files (`ulimit -n`), to see what it does past it: set by
   * the shell that then execs node, so the server's pid is still the child's.
   */
  openFiles?: number;
  /** The environment of the server, instead of the test's own. */
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a built server app (through launchServer, as the soak and the bench do) and
 * resolves once it logs `Listening at`. Unless ARGS give a port or a path it binds port 0,
 * so tests never collide on a port.
 */
export async function startServer(
  app: 'udp-server' | 'tcp-server',
  args: readonly string[] = [],
  options: ServerProcessOptions = {},
): Promise<RunningServer> {
  const defaults = args.includes('--port') || args.includes('--path') ? [] : ['--port', '0'];
  const command = [process.execPath, appMain(app), ...defaults, ...args];
  const output = { stdout: '', stderr: '' };
  const logs = new LogCollector();
  const launched = await launchServer({
    name: app,
    ...(options.openFiles === undefined
      ? { command: command[0], args: command.slice(1) }
      : {
          command: 'sh',
          args: ['-c', `ulimit -n ${options.openFiles} && exec "$@"`, 'sh', ...command],
        }),
    env: options.env,
    stdin: 'pipe',
    onStdoutLine: (line) => {
      output.stdout += `${line}\n`;
      logs.add(line);
    },
    onStderr: (text) => (output.stderr += text),
  });
  const child = launched.child as ChildProcessWithoutNullStreams;
  // A child that exits before reading its input must not crash the test with EPIPE.
  child.stdin.on('error', () => undefined);
  const exited = launched.exited.then((exit) => ({ ...exit, ...output }));
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> => {
    await launched.stop({ signal });
    return exited;
  };
  onCleanup(() => stop('SIGKILL'));
  return { child, output, exited, stop, logs, listening: launched.listening!, port: launched.port };
}

/**
 * A client app with stdin kept open, for typing a line at a time and awaiting what it prints:
 * the piped (no terminal) mode of udp-client and tcp-client.
 */
export interface TypedClient extends Spawned {
  /** Writes `line` and a newline to the client's stdin. */
  type(line: string): void;
  /** Resolves with stdout once it holds `count` lines (without their '\n'). */
  screenLines(count: number): Promise<string[]>;
  /** Resolves with stderr once it holds `count` lines (without their '\n'). */
  stderrLines(count: number): Promise<string[]>;
  /** Closes stdin (end of input). */
  endInput(): void;
}

export function startClient(
  app: 'udp-client' | 'tcp-client',
  args: readonly string[],
): TypedClient {
  const spawned = spawnProcess(process.execPath, [appMain(app), ...args]);
  const linesOf =
    (stream: 'stdout' | 'stderr') =>
    async (count: number): Promise<string[]> => {
      const complete = (): string[] => {
        const lines = spawned.output[stream].split('\n');
        lines.pop();
        return lines;
      };
      for (;;) {
        if (complete().length >= count) return complete();
        const ended = await Promise.race([
          new Promise<false>((resolve) => spawned.child[stream].once('data', () => resolve(false))),
          spawned.exited.then(() => true),
        ]);
        if (ended) {
          const final = complete();
          if (final.length >= count) return final;
          throw new Error(
            `${app} exited after ${final.length} of ${count} lines on ${stream}:\n${spawned.output.stdout}\nstderr: ${spawned.output.stderr}`,
          );
        }
      }
    };
  return {
    ...spawned,
    type: (line) => spawned.child.stdin.write(`${line}\n`),
    screenLines: linesOf('stdout'),
    stderrLines: linesOf('stderr'),
    endInput: () => spawned.child.stdin.end(),
  };
}
