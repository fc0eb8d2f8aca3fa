import type { Keyboard } from '@netlab/cli';
import { formatEndpoint, type TcpClient } from '@netlab/tcp-transport';
import { isCommand, replyText, serverNotice } from './reply-text';

/** Where the conversation writes: replies to the screen, a lost connection to stderr. */
export interface Screen {
  reply(text: string): void;
  problem(line: string): void;
}

// Piped lines are sent without waiting for their replies (the server answers in order);
// past this many unanswered, reading input waits, so a huge input is not all held at once.
const MAX_IN_FLIGHT = 1024;

type Outcome = { reply: string } | { error: unknown };

/**
 * One session over an open connection: each line of the keyboard is sent, each reply shown
 * in order. At a terminal a line is sent once the previous one is answered; piped lines are
 * pipelined. Exit, end of input, or Ctrl+C (`interrupt`) ends the session; a connection
 * the server closes or loses first is one line on stderr. Resolves with the exit code: 0
 * when every line sent was answered.
 */
export async function converse(
  client: TcpClient<string>,
  keyboard: Keyboard,
  screen: Screen,
  interrupt: AbortSignal,
): Promise<number> {
  return new Conversation(client, keyboard, screen, interrupt).run();
}

class Conversation {
  readonly #client: TcpClient<string>;
  readonly #keyboard: Keyboard;
  readonly #screen: Screen;
  readonly #interrupt: AbortSignal;
  /** The last reply shown: replies are shown in the order the lines were sent. */
  #shown: Promise<void> = Promise.resolve();
  /** We sent Exit or ended our side: the server closing the connection is what we asked for. */
  #leaving = false;
  /** The server's last notice (`server busy`): why it is about to close the connection. */
  #notice: string | undefined;
  /** Set once the connection is closed, if that was not the end we asked for. */
  #lost: string | undefined;
  #closed = false;
  /** The prompt is on the screen, waiting for a line. */
  #prompting = false;
  /** Lines left unanswered when the user pressed Ctrl+C. */
  #abandoned = 0;

  constructor(
    client: TcpClient<string>,
    keyboard: Keyboard,
    screen: Screen,
    interrupt: AbortSignal,
  ) {
    this.#client = client;
    this.#keyboard = keyboard;
    this.#screen = screen;
    this.#interrupt = interrupt;
  }

  async run(): Promise<number> {
    const closed = this.#client.closed().then((error) => this.#onClosed(error));
    // Ctrl+C: the user leaves at once; a line still unanswered is given up, not waited for,
    // and the exit status says so (1), as udp-client's does.
    const leaveNow = (): void => {
      this.#leaving = true;
      this.#abandoned = this.#client.pending;
      void this.#client.close();
    };
    this.#interrupt.addEventListener('abort', leaveNow, { once: true });
    void this.#showUnasked();
    const inFlight: Promise<void>[] = [];
    this.#prompt();
    for await (const line of this.#keyboard.lines) {
      this.#prompting = false;
      if (this.#closed || this.#interrupt.aborted) break;
      const exit = isCommand(line, 'exit');
      // Lines after Exit are not sent: the server would not answer them.
      if (exit) this.#leaving = true;
      const shown = this.#send(line);
      if (this.#keyboard.interactive || exit) await shown;
      else if (inFlight.push(shown) >= MAX_IN_FLIGHT) await inFlight.shift();
      if (exit || this.#closed || this.#interrupt.aborted) break;
      this.#prompt();
    }
    // Ctrl+C, Ctrl+D or a lost connection at the prompt: what follows starts on a new line.
    if (this.#prompting) this.#screen.reply('\n');
    await Promise.all(inFlight);
    this.#leaving = true;
    // Half-close: the server answers what it has, then closes; end() waits for that.
    await this.#client.end();
    await closed;
    this.#interrupt.removeEventListener('abort', leaveNow);
    this.#keyboard.close();
    if (this.#lost !== undefined) {
      this.#screen.problem(this.#lost);
      return 1;
    }
    return this.#abandoned === 0 ? 0 : 1;
  }

  #prompt(): void {
    this.#keyboard.prompt();
    this.#prompting = this.#keyboard.interactive;
  }

  /** Sends a line; the promise settles once its reply (or the loss of it) is dealt with. */
  #send(line: string): Promise<void> {
    const outcome: Promise<Outcome> = this.#client.request(line).then(
      (reply) => ({ reply }),
      (error: unknown) => ({ error }),
    );
    this.#shown = this.#shown.then(async () => this.#show(line, await outcome));
    return this.#shown;
  }

  #show(sent: string, outcome: Outcome): void {
    // A lost connection is reported once, when it closes; a line given up needs no word.
    if ('error' in outcome) return;
    if (this.#isNotice(outcome.reply)) return;
    this.#screen.reply(replyText(sent, outcome.reply));
  }

  /** Lines the server sends unasked: a notice before it closes an idle connection. */
  async #showUnasked(): Promise<void> {
    for await (const line of this.#client.replies()) {
      if (!this.#isNotice(line)) this.#screen.reply(replyText('', line));
    }
  }

  #isNotice(line: string): boolean {
    const notice = serverNotice(line);
    if (notice !== undefined) this.#notice = notice;
    return notice !== undefined;
  }

  #onClosed(error: Error | undefined): void {
    this.#closed = true;
    const endpoint = formatEndpoint(this.#client.target);
    if (this.#notice !== undefined) {
      this.#lost = `Connection to ${endpoint} closed by the server: ${this.#notice}`;
    } else if (error !== undefined) {
      this.#lost = error.message;
    } else if (!this.#leaving) {
      this.#lost = `Connection to ${endpoint} closed by the server`;
    }
    // Stop waiting for input: a terminal user learns at once, not at the next line.
    if (this.#lost !== undefined) this.#keyboard.close();
  }
}
