import { clearLine, clearScreenDown, cursorTo, moveCursor } from 'node:readline';
import type { Keyboard } from '@netlab/cli';

/**
 * The user's terminal (or the pipes): replies and arriving lines on stdout, problems on
 * stderr. A line that arrives while the prompt waits for typing (a chat line, a reconnect
 * notice) is printed above it: the prompt and whatever was half typed are wiped, the line
 * written, then both drawn again with the cursor where it was — readline's own redraw.
 */
export class Screen {
  readonly #keyboard: Keyboard;
  readonly #out: NodeJS.WriteStream;
  readonly #err: NodeJS.WriteStream;
  /** The prompt is on the screen, waiting for a line. */
  #prompting = false;

  constructor(
    keyboard: Keyboard,
    out: NodeJS.WriteStream = process.stdout,
    err: NodeJS.WriteStream = process.stderr,
  ) {
    this.#keyboard = keyboard;
    this.#out = out;
    this.#err = err;
  }

  /** True while the prompt is shown and the user may be typing. */
  get prompting(): boolean {
    return this.#prompting;
  }

  /** Shows the prompt (at a terminal; piped input has none). */
  prompt(): void {
    this.#keyboard.prompt();
    this.#prompting = this.#keyboard.interactive;
  }

  /** The user pressed Enter: the prompt line is finished. */
  entered(): void {
    this.#prompting = false;
  }

  /** Text for stdout (a reply, an arriving line), ending in a newline. */
  reply(text: string): void {
    this.#above(() => this.#out.write(text));
  }

  /** One line for stderr (a lost connection, a reconnect). */
  problem(line: string): void {
    this.#above(() => this.#err.write(`${line}\n`));
  }

  /** Ends a prompt left open (Ctrl+D, a lost connection) so what follows starts on a new line. */
  leavePrompt(): void {
    if (this.#prompting) this.#out.write('\n');
    this.#prompting = false;
  }

  #above(write: () => void): void {
    if (!this.#prompting) {
      write();
      return;
    }
    const { lines } = this.#keyboard;
    // From the cursor back to the start of the prompt (it may wrap over several rows), wipe.
    const { rows } = lines.getCursorPos();
    cursorTo(this.#out, 0);
    if (rows > 0) {
      moveCursor(this.#out, 0, -rows);
      clearScreenDown(this.#out);
    } else {
      // One row: erase just it. (Clearing "to the end of the screen" from its top-left
      // corner makes tmux keep a copy of the screen in its scrollback.)
      clearLine(this.#out, 0);
    }
    write();
    // Prompt and the half-typed line again, the cursor where the user left it.
    lines.prompt(true);
  }
}
