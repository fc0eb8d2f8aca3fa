import { execFileSync } from 'node:child_process';
import { onCleanup } from './cleanup';

let sessions = 0;

/**
 * A program in a real terminal (a tmux pane), for what only a terminal shows: the prompt,
 * keys typed by a person, Ctrl+C. tmux is driven with send-keys and read with capture-pane.
 */
export class Terminal {
  readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  /** Starts `command` (a shell command line) in a new detached tmux session, 200 columns wide. */
  static start(command: string, options: { cwd?: string } = {}): Terminal {
    const name = `netlab-test-${process.pid}-${++sessions}`;
    // remain-on-exit keeps the pane (and what it printed) after the program ends.
    execFileSync('tmux', [
      'new-session',
      '-d',
      '-s',
      name,
      '-x',
      '200',
      '-y',
      '50',
      ...(options.cwd ? ['-c', options.cwd] : []),
      command,
    ]);
    execFileSync('tmux', ['set-option', '-t', name, 'remain-on-exit', 'on']);
    const terminal = new Terminal(name);
    onCleanup(() => terminal.kill());
    return terminal;
  }

  /** Types `text` literally (no key names), then Enter unless `enter` is false. */
  type(text: string, enter = true): void {
    if (text.length > 0) execFileSync('tmux', ['send-keys', '-t', this.name, '-l', text]);
    if (enter) execFileSync('tmux', ['send-keys', '-t', this.name, 'Enter']);
  }

  /** Sends a key by its tmux name, such as `C-c` or `C-d`. */
  press(key: string): void {
    execFileSync('tmux', ['send-keys', '-t', this.name, key]);
  }

  /** The visible screen (and scrollback), trailing blank lines removed. */
  screen(): string {
    return execFileSync('tmux', ['capture-pane', '-p', '-J', '-S', '-1000', '-t', this.name], {
      encoding: 'utf8',
    }).replace(/\n+$/, '');
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
    const out = execFileSync(
      'tmux',
      ['display-message', '-p', '-t', this.name, '#{pane_dead} #{pane_dead_status}'],
      { encoding: 'utf8' },
    ).trim();
    const [dead, status] = out.split(' ');
    return dead === '1' ? Number(status) : undefined;
  }

  kill(): void {
    try {
      execFileSync('tmux', ['kill-session', '-t', this.name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
}
