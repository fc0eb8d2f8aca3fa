import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onCleanup } from './cleanup';
import { appMain, WORKSPACE_ROOT, type AppName } from './paths';

let sessions = 0;

/**
 * A program in a real terminal (a tmux pane), for what only a terminal shows: the prompt,
 * keys typed by a person, Ctrl+C. tmux is driven with send-keys and read with capture-pane.
 */
export class Terminal {
  readonly name: string;
  readonly #statusFile: string;

  private constructor(name: string, statusFile: string) {
    this.name = name;
    this.#statusFile = statusFile;
  }

  /** A built app (`node dist/apps/<app>/main.js ARGS`) in a terminal. */
  static runApp(app: AppName, args: readonly string[]): Terminal {
    return Terminal.start([process.execPath, appMain(app), ...args].map(shellWord).join(' '));
  }

  /**
   * `npx nx serve <app> -- ARGS` in a terminal, as a person types it in a fresh shell at the
   * workspace root: a clean environment, nothing inherited from an Nx run around the test.
   */
  static nxServe(app: AppName, args: readonly string[]): Terminal {
    return Terminal.atWorkspaceRoot(`npx nx serve ${app} -- ${args.map(shellWord).join(' ')}`);
  }

  /**
   * A command line (`npm start`, say) typed in a fresh shell at the workspace root: only
   * HOME, PATH (with this Node first) and TERM, plus what keeps Nx from prompting or
   * starting its daemon; nothing inherited from the Nx run around the test.
   */
  static atWorkspaceRoot(command: string): Terminal {
    const env = [
      `HOME=${shellWord(process.env.HOME ?? '/tmp')}`,
      `PATH=${shellWord(`${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`)}`,
      'TERM=xterm-256color',
      'CI=true',
      'NX_TUI=false',
      'NX_DAEMON=false',
      'NX_NO_CLOUD=true',
    ];
    return Terminal.start(`env -i ${env.join(' ')} ${command}`, { cwd: WORKSPACE_ROOT });
  }

  /** Starts `command` (a shell command line) in a new detached tmux session, 200 columns wide. */
  static start(command: string, options: { cwd?: string } = {}): Terminal {
    const name = `netlab-test-${process.pid}-${++sessions}`;
    // tmux learns a pane's exit status only when it reaps the process, which can lag for
    // seconds (until another child of the tmux server exits): the shell records it at once.
    const statusFile = path.join(tmpdir(), `${name}.status`);
    rmSync(statusFile, { force: true });
    // remain-on-exit keeps the pane (and what it printed) after the program ends; set in the
    // same tmux call, so even a program that ends at once leaves its pane.
    tmux(name, [
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      '200',
      '-y',
      '50',
      ...(options.cwd ? ['-c', options.cwd] : []),
      `${command}; echo $? > '${statusFile}'`,
      ';',
      'set-option',
      '-t',
      name,
      'remain-on-exit',
      'on',
    ]);
    const terminal = new Terminal(name, statusFile);
    onCleanup(() => terminal.kill());
    return terminal;
  }

  /** Types `text` literally (no key names), then Enter unless `enter` is false. */
  type(text: string, enter = true): void {
    if (text.length > 0) tmux(this.name, ['send-keys', '-t', this.name, '-l', text]);
    if (enter) tmux(this.name, ['send-keys', '-t', this.name, 'Enter']);
  }

  /** Sends a key by its tmux name, such as `C-c` or `C-d`. */
  press(key: string): void {
    tmux(this.name, ['send-keys', '-t', this.name, key]);
  }

  /** The visible screen (and scrollback), trailing blank lines removed. */
  screen(): string {
    return tmux(this.name, ['capture-pane', '-p', '-J', '-S', '-1000', '-t', this.name]).replace(
      /\n+$/,
      '',
    );
  }

  /** Polls the screen until `predicate` holds; rejects with the screen after `timeoutMs`. */
  async waitFor(predicate: (screen: string) => boolean, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (predicate(screen)) return screen;
      if (Date.now() > deadline) {
        throw new Error(`terminal did not show what was expected in ${timeoutMs} ms:\n${screen}`);
      }
      // tmux has no change notification to await: poll gently.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** The exit status of the program once it has ended, else undefined. */
  exitStatus(): number | undefined {
    let status: string;
    try {
      status = readFileSync(this.#statusFile, 'utf8').trim();
    } catch {
      return undefined; // not ended yet
    }
    // Empty while the shell is still writing it.
    return status === '' ? undefined : Number(status);
  }

  /** Waits for the program to end; resolves with its exit status. */
  async waitForExit(timeoutMs?: number): Promise<number> {
    await this.waitFor(() => this.exitStatus() !== undefined, timeoutMs);
    return this.exitStatus()!;
  }

  kill(): void {
    rmSync(this.#statusFile, { force: true });
    try {
      // The server is this terminal's alone: ending it ends the session.
      tmux(this.name, ['kill-server']);
    } catch {
      // already gone
    }
    // tmux leaves its socket file behind.
    rmSync(socketPath(this.name), { force: true });
  }
}

/**
 * Runs tmux against the server of the session `name` alone (`-S`, a socket of its own). With one
 * shared server, a test whose session ends can take the server down just as another test's
 * `new-session` connects to it ("server exited unexpectedly").
 */
function tmux(name: string, args: readonly string[]): string {
  return execFileSync('tmux', ['-S', socketPath(name), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function socketPath(name: string): string {
  return path.join(tmpdir(), `${name}.tmux`);
}

/** One word for sh, quoted so that spaces and quotes in it stay as they are. */
function shellWord(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
