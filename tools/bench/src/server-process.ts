// One server under test as a child process: started fresh for each measurement, ready
// once it logs `Listening at` (which also gives its real port and its start-up time) or,
// when its log level hides that line, once /proc shows its socket; watched for a crash;
// stopped with SIGTERM (SIGKILL if it lingers).

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parseListeningPort } from './listening-line';
import { findListeningPort } from './listening-socket';
import type { Transport } from './listening-socket';

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

const LISTEN_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const POLL_MS = 5;
const KEPT_OUTPUT_CHARS = 2_000;

export class ServerProcess {
  private exitStatus: string | undefined;
  private stopping = false;
  private output = '';
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly name: string,
    readonly port: number,
    /** From spawn to the `Listening at` line, in milliseconds. */
    readonly startupMs: number,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
    });
    this.exitStatus = describeExit(child);
    child.once('exit', () => (this.exitStatus = describeExit(child)));
    child.stdout?.on('data', (chunk: Buffer) => this.keepOutput(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.keepOutput(chunk));
  }

  static start(name: string, spec: LaunchSpec): Promise<ServerProcess> {
    const startedAt = performance.now();
    const stdoutFd = spec.stdoutFile === undefined ? undefined : openSync(spec.stdoutFile, 'w');
    const child = spawn(spec.command, spec.args, {
      stdio: ['ignore', stdoutFd ?? 'pipe', 'pipe'],
    });
    if (stdoutFd !== undefined) closeSync(stdoutFd);

    return new Promise((resolve, reject) => {
      let output = '';
      let poller: NodeJS.Timeout | undefined;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(`did not log "Listening at" within ${LISTEN_TIMEOUT_MS / 1000} s`);
      }, LISTEN_TIMEOUT_MS);
      const cleanUp = () => {
        clearTimeout(timer);
        clearInterval(poller);
        child.stdout?.off('data', onStdout);
        child.stderr?.off('data', onStderr);
        child.off('exit', onExit);
        child.off('error', onSpawnError);
      };
      const fail = (reason: string) => {
        cleanUp();
        const shown = output.trim().slice(-KEPT_OUTPUT_CHARS);
        reject(new Error(`${name} ${reason}${shown ? `; its output:\n${shown}` : ''}`));
      };
      const ready = (port: number) => {
        cleanUp();
        resolve(new ServerProcess(child, name, port, performance.now() - startedAt));
      };
      const scan = (text: string): boolean => {
        for (const line of text.split('\n')) {
          const port = parseListeningPort(line);
          if (port !== undefined) {
            ready(port);
            return true;
          }
        }
        return false;
      };
      const onStdout = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        scan(output);
      };
      const onStderr = (chunk: Buffer) => (output += chunk.toString('utf8'));
      const onExit = () => {
        // The line may have been written just before a crash: look one last time.
        if (spec.stdoutFile !== undefined && scan(readText(spec.stdoutFile))) return;
        fail(`${describeExit(child)} before it logged "Listening at"`);
      };
      const onSpawnError = (error: Error) => fail(`could not be started: ${error.message}`);
      child.stdout?.on('data', onStdout);
      child.stderr?.on('data', onStderr);
      child.once('exit', onExit);
      child.once('error', onSpawnError);
      const { stdoutFile, silentOn } = spec;
      if (silentOn !== undefined) {
        poller = setInterval(() => {
          const port = child.pid === undefined ? undefined : findListeningPort(child.pid, silentOn);
          if (port !== undefined) ready(port);
        }, POLL_MS);
      } else if (stdoutFile !== undefined) {
        poller = setInterval(() => scan(readText(stdoutFile)), POLL_MS);
      }
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Why the server is gone, if it went without being asked to; else undefined. */
  get crash(): string | undefined {
    if (this.stopping || this.exitStatus === undefined) return undefined;
    return `${this.name} ${this.exitStatus} during the measurement${this.recentOutput()}`;
  }

  /** Stops the server; returns a note if it did not exit cleanly, else undefined. */
  async stop(): Promise<string | undefined> {
    if (this.exitStatus !== undefined) return undefined;
    this.stopping = true;
    this.child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.exited.then(() => false),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS))),
    ]);
    clearTimeout(timer);
    if (timedOut) {
      this.child.kill('SIGKILL');
      await this.exited;
      return `${this.name} ignored SIGTERM for ${STOP_TIMEOUT_MS / 1000} s and was killed`;
    }
    const { exitCode, signalCode } = this.child;
    const clean = exitCode === 0 || signalCode === 'SIGTERM';
    return clean ? undefined : `${this.name} ${this.exitStatus} on SIGTERM${this.recentOutput()}`;
  }

  private keepOutput(chunk: Buffer): void {
    this.output = (this.output + chunk.toString('utf8')).slice(-KEPT_OUTPUT_CHARS);
  }

  private recentOutput(): string {
    const shown = this.output.trim();
    return shown ? `; its last output:\n${shown}` : '';
  }
}

function describeExit(child: ChildProcess): string | undefined {
  if (child.signalCode !== null) return `was killed by ${child.signalCode}`;
  if (child.exitCode !== null) return `exited with code ${child.exitCode}`;
  return undefined;
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
