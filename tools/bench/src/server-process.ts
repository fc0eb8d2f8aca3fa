// One server under test as a child process: started fresh for each measurement by the
// tools' one launcher (app-harness launchServer: ready at its `Listening at` line, which
// also gives its real port and start-up time, or once /proc shows its socket when its log
// level hides that line); watched for a crash; stopped with SIGTERM (SIGKILL if it lingers).

import { describeExit, launchServer } from '@netlab-tools/app-harness';
import type { LaunchedServer, Transport } from '@netlab-tools/app-harness';

export interface LaunchSpec {
  command: string;
  args: string[];
  /** Send the server's stdout to this file (as an operator would) instead of a pipe. */
  stdoutFile?: string;
  /**
   * Set for a server whose log level hides its `Listening at` line: it is ready once
   * /proc shows it listening (TCP) or bound (UDP) on this transport.
   */
  silentOn?: Transport;
}

const STOP_TIMEOUT_MS = 10_000;
const KEPT_OUTPUT_CHARS = 2_000;

export class ServerProcess {
  private stopping = false;

  private constructor(
    private readonly server: LaunchedServer,
    private readonly recentStdout: () => string,
  ) {}

  static async start(name: string, spec: LaunchSpec): Promise<ServerProcess> {
    let stdout = '';
    const server = await launchServer({
      name,
      command: spec.command,
      args: spec.args,
      stdoutFile: spec.stdoutFile,
      silentOn: spec.silentOn,
      onStdoutLine: (line) => (stdout = `${stdout}${line}\n`.slice(-KEPT_OUTPUT_CHARS)),
    });
    return new ServerProcess(server, () => stdout);
  }

  get name(): string {
    return this.server.name;
  }

  get pid(): number {
    return this.server.pid;
  }

  get port(): number {
    return this.server.port;
  }

  /** From spawn to ready, in milliseconds. */
  get startupMs(): number {
    return this.server.startupMs;
  }

  /** Why the server is gone, if it went without being asked to; else undefined. */
  get crash(): string | undefined {
    const { exitCode, signalCode } = this.server.child;
    if (this.stopping || (exitCode === null && signalCode === null)) return undefined;
    const exit = describeExit({ code: exitCode, signal: signalCode });
    return `${this.name} ${exit} during the measurement${this.recentOutput()}`;
  }

  /** Stops the server; returns a note if it did not exit cleanly, else undefined. */
  async stop(): Promise<string | undefined> {
    if (!this.server.alive()) return undefined;
    this.stopping = true;
    const exit = await this.server.stop({ killAfterMs: STOP_TIMEOUT_MS });
    if (exit.killed) {
      return `${this.name} ignored SIGTERM for ${STOP_TIMEOUT_MS / 1000} s and was killed`;
    }
    const clean = exit.code === 0 || exit.signal === 'SIGTERM';
    return clean
      ? undefined
      : `${this.name} ${describeExit(exit)} on SIGTERM${this.recentOutput()}`;
  }

  private recentOutput(): string {
    const shown = (this.recentStdout() + this.server.stderr()).trim().slice(-KEPT_OUTPUT_CHARS);
    return shown ? `; its last output:\n${shown}` : '';
  }
}
