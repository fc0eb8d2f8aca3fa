import type { Keyboard } from '@netlab/cli';
import {
  TcpClosedError,
  TcpConnectError,
  formatEndpoint,
  type TcpClient,
} from '@netlab/tcp-transport';
import { isCommand, replyText, serverNotice } from './reply-text';
import type { Screen } from './screen';

// Piped lines are sent without waiting for their replies (the server answers in order);
// past this many unanswered, reading input waits, so a huge input is not all held at once.
const MAX_IN_FLIGHT = 1024;

type Outcome = { reply: string } | { error: unknown };

/**
 * How the client pairs what it sends with what comes back. `reply`: every line gets one
 * reply, in order (task, uppercase). `chat`: no line is answered (but Exit); every line the
 * server sends is printed as it arrives, as nc does.
 */
export type ConversationMode = 'reply' | 'chat';

/**
 * One session over an open connection: each line of the keyboard is sent; in `reply` mode
 * each reply is shown in order (at a terminal a line is sent once the previous one is
 * answered; piped lines are pipelined), in `chat` mode lines are sent at once and whatever
 * the server says is shown as it comes. Exit, end of input, or Ctrl+C (`interrupt`) ends
 * the session; a connection the server closes or loses first is one line on stderr (with
 * reconnect on, the transport connects again and the session goes on). Resolves with the
 * exit code: 0 when every line sent was answered.
 */
export async function converse(
  client: TcpClient<string>,
  keyboard: Keyboard,
  screen: Screen,
  interrupt: AbortSignal,
  mode: ConversationMode = 'reply',
): Promise<number> {
  return new Conversation(client, keyboard, screen, interrupt, mode).run();
}

class Conversation {
  readonly #client: TcpClient<string>;
  readonly #keyboard: Keyboard;
  readonly #screen: Screen;
  readonly #interrupt: AbortSignal;
  readonly #mode: ConversationMode;
  /** The last reply shown: replies are shown in the order the lines were sent. */
  #shown: Promise<void> = Promise.resolve();
  /** We sent Exit or ended our side: the server closing the connection is what we asked for. */
  #leaving = false;
  /** The server's last notice (`server busy`): why it is about to close the connection. */
  #notice: string | undefined;
  /** Set once the connection is closed, if that was not the end we asked for. */
  #lost: string | undefined;
  #closed = false;
  /** Lines left unanswered: given up on Ctrl+C, or lost with a connection. */
  #unanswered = 0;

  constructor(
    client: TcpClient<string>,
    keyboard: Keyboard,
    screen: Screen,
    interrupt: AbortSignal,
    mode: ConversationMode,
  ) {
    this.#client = client;
    this.#keyboard = keyboard;
    this.#screen = screen;
    this.#interrupt = interrupt;
    this.#mode = mode;
  }

  async run(): Promise<number> {
    const closed = this.#client.closed().then((error) => this.#onClosed(error));
    // Ctrl+C: the user leaves at once; a line still unanswered is given up, not waited for,
    // and the exit status says so (1), as udp-client's does.
    const leaveNow = (): void => {
      this.#leaving = true;
      this.#unanswered += this.#client.pending;
      void this.#client.close();
    };
    this.#interrupt.addEventListener('abort', leaveNow, { once: true });
    const unasked = this.#showUnasked();
    const inFlight: Promise<void>[] = [];
    this.#screen.prompt();
    for await (const line of this.#keyboard.lines) {
      this.#screen.entered();
      if (this.#closed || this.#interrupt.aborted) break;
      const exit = isCommand(line, 'exit');
      if (exit) {
        // Lines after Exit are not sent: the server would not answer them. Our side ends
        // with it, so the server's close that follows is the end we asked for, not a loss
        // to reconnect from.
        this.#leaving = true;
      }
      if (this.#mode === 'chat') {
        // The transport may have closed a moment before #onClosed heard of it.
        if (!this.#sendUnanswered(line)) break;
        if (exit) void this.#client.end();
      } else {
        const shown = this.#send(line);
        if (exit) void this.#client.end();
        if (this.#keyboard.interactive || exit) await shown;
        else if (inFlight.push(shown) >= MAX_IN_FLIGHT) await inFlight.shift();
      }
      if (exit || this.#closed || this.#interrupt.aborted) break;
      this.#screen.prompt();
    }
    // Ctrl+C, Ctrl+D or a lost connection at the prompt: what follows starts on a new line.
    this.#screen.leavePrompt();
    await Promise.all(inFlight);
    this.#leaving = true;
    // Half-close: the server answers what it has, then closes; end() waits for that.
    await this.#client.end();
    await closed;
    await unasked;
    this.#interrupt.removeEventListener('abort', leaveNow);
    this.#keyboard.close();
    if (this.#lost !== undefined) {
      this.#screen.problem(this.#lost);
      return 1;
    }
    return this.#unanswered === 0 ? 0 : 1;
  }

  /** Sends a line no reply will pair with (chat); false if the connection is already closed. */
  #sendUnanswered(line: string): boolean {
    try {
      this.#client.send(line, { reply: false });
      return true;
    } catch (error) {
      if (error instanceof TcpClosedError) return false;
      throw error;
    }
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
    // A lost connection is reported once (when it is lost, or when it closes); a line
    // given up needs no word of its own, but the exit status counts it.
    if ('error' in outcome) {
      if (!this.#interrupt.aborted) this.#unanswered += 1;
      return;
    }
    if (this.#isNotice(outcome.reply)) return;
    this.#screen.reply(replyText(sent, outcome.reply));
  }

  /** Lines the server sends unasked: a chat line, a notice before it closes an idle connection. */
  async #showUnasked(): Promise<void> {
    for await (const line of this.#client.replies()) {
      if (this.#mode === 'chat') this.#screen.reply(`${line}\n`);
      else if (!this.#isNotice(line)) this.#screen.reply(replyText('', line));
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
    } else if (error instanceof TcpConnectError) {
      // Only a reconnect ends so: every attempt failed.
      this.#lost = `Gave up reconnecting: ${error.message}`;
    } else if (error !== undefined) {
      this.#lost = error.message;
    } else if (!this.#leaving) {
      this.#lost = `Connection to ${endpoint} closed by the server`;
    }
    // Stop waiting for input: a terminal user learns at once, not at the next line.
    if (this.#lost !== undefined) this.#keyboard.close();
  }
}
