import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { onCleanup } from '@netlab-tools/app-harness';

/** How a shell command ended. */
export interface ShellExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

// Ctrl+C should be enough; past this, a program that ignores it is killed.
const STOP_GRACE_MS = 3_000;

/**
 * A command line run by bash, as a reader would type it in a terminal: in its own process
 * group (so Ctrl+C, SIGINT to the group, reaches every program of a pipeline), stdout and
 * stderr kept together in the order they came. Stopped after the test if still running.
 */
export class ShellProcess {
  readonly command: string;
  /** Everything the command printed so far, stdout and stderr interleaved. */
  output = '';
  readonly exited: Promise<ShellExit>;
  readonly #child: ChildProcessWithoutNullStreams;
  #exit: ShellExit | undefined;
  #listeners = new Set<() => void>();

  private constructor(command: string, cwd: string) {
    this.command = command;
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.FORCE_COLOR;
    this.#child = spawn('bash', ['-c', command], { cwd, env, detached: true, stdio: 'pipe' });
    const append = (chunk: string): void => {
      this.output += chunk;
      for (const listener of this.#listeners) listener();
    };
    this.#child.stdout.setEncoding('utf8').on('data', append);
    this.#child.stderr.setEncoding('utf8').on('data', append);
    // A program that exits without reading its input must not fail the test with EPIPE.
    this.#child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve, reject) => {
      this.#child.on('error', reject);
      this.#child.on('close', (code, signal) => {
        this.#exit = { code, signal };
        for (const listener of this.#listeners) listener();
        resolve(this.#exit);
      });
    });
  }

  /**
   * Starts `command` under bash in `cwd`. `input` is written to its stdin; with
   * `keepInputOpen` stdin then stays open (a terminal nobody types into), else it ends.
   */
  static start(
    command: string,
    options: { cwd: string; input?: string; keepInputOpen?: boolean },
  ): ShellProcess {
    const shell = new ShellProcess(command, options.cwd);
    if (options.input) shell.#child.stdin.write(options.input);
    if (!options.keepInputOpen) shell.#child.stdin.end();
    onCleanup(() => shell.stop());
    return shell;
  }

  /** Set once the command has ended. */
  get exit(): ShellExit | undefined {
    return this.#exit;
  }

  /**
   * Resolves once `predicate(output)` holds; rejects if the command ends first or
   * `timeoutMs` passes, with the output in the message.
   */
  waitForOutput(
    predicate: (output: string) => boolean,
    what: string,
    timeoutMs: number,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: Error): void => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        if (error) reject(error);
        else resolve();
      };
      const check = (): void => {
        if (predicate(this.output)) done();
        else if (this.#exit)
          done(this.#failure(`ended (${describeExit(this.#exit)}) before ${what}`));
      };
      const timer = setTimeout(
        () => done(this.#failure(`did not show ${what} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#listeners.add(check);
      check();
    });
  }

  /** Waits for the command to end; kills it (and fails) after `timeoutMs`. */
  async finish(timeoutMs: number): Promise<ShellExit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        void this.stop();
        reject(this.#failure(`did not end within ${timeoutMs} ms`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ctrl+C to the whole pipeline; SIGKILL if it is still running after a grace period. */
  async stop(): Promise<ShellExit> {
    if (this.#exit) return this.#exit;
    this.#signal('SIGINT');
    const timer = setTimeout(() => this.#signal('SIGKILL'), STOP_GRACE_MS);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #signal(signal: NodeJS.Signals): void {
    try {
      // Negative pid: the process group bash leads (detached), every program in it.
      process.kill(-this.#child.pid!, signal);
    } catch {
      // already gone
    }
  }

  #failure(what: string): Error {
    return new Error(`$ ${this.command}\n${what}; it printed:\n${this.output || '(nothing)'}`);
  }
}

export function describeExit(exit: ShellExit): string {
  return exit.signal ? `signal ${exit.signal}` : `status ${exit.code}`;
}
