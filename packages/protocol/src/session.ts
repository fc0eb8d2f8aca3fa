import { UnknownServiceError } from './errors';
import { formatHistory } from './history';
import { integerOption } from './options';
import { uppercase } from './uppercase';

/** What a session answers to one line, and whether the connection ends after the reply. */
export interface SessionReply {
  /** The one line to send back. */
  reply: string;
  /** Close the connection once the reply is sent (after `Exit`). */
  close: boolean;
}

/** One connection's conversation: a line in, a reply out. */
export interface Session {
  /** Answers one line; called once per line, in order. */
  handle(line: string): SessionReply;
  /**
   * The bulk path: answers `text`, whole plain-ASCII lines each ended by '\n' (a decoder's
   * `wholeText`), with all their replies as one text, each ended by '\n' — exactly what
   * `handle`, line by line, and `encodeLines` would give. Undefined, with nothing changed,
   * when a line needs `handle` (a command) or the replies would pass `maxReplyBytes`.
   */
  answerText?(text: string, maxReplyBytes: number): string | undefined;
}

/** The services createSession knows, as a flag parser can list them. */
export const SERVICE_NAMES = ['task', 'uppercase'] as const;
/** `'task'` or `'uppercase'`. */
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** The reply to `Exit`, after which the connection closes. */
export const DISCONNECT_REPLY = 'Disconnect';
/** Messages a task session remembers for History by default. */
export const DEFAULT_HISTORY_LIMIT = 100;
/** UTF-8 bytes of messages a task session remembers for History by default. */
export const DEFAULT_HISTORY_MAX_BYTES = 16_384;

/** Options of a task session. */
export interface TaskSessionOptions {
  /** Messages History remembers, newest kept. Default 100. */
  historyLimit?: number;
  /**
   * UTF-8 bytes of messages History remembers, newest kept; the newest message is kept
   * whatever its size. Default 16 KiB. It bounds what every connection holds, and the
   * History reply (at most six bytes of JSON a byte, for control characters).
   */
  historyMaxBytes?: number;
}

/** Commands match regardless of case and surrounding whitespace: ' exit ' is Exit. */
function command(line: string): string {
  const trimmed = line.trim();
  // Most lines are messages: skip lowercasing any that cannot be 'exit' or 'history'.
  // (Lowercasing never shortens a string, so a length test first changes no answer.)
  if (trimmed.length !== 4 && trimmed.length !== 7) return '';
  return trimmed.toLowerCase();
}

/** True for `Exit` in any case, with any surrounding whitespace: every service ends on it. */
export function isExitCommand(line: string): boolean {
  return command(line) === 'exit';
}

const DISCONNECT: SessionReply = Object.freeze({ reply: DISCONNECT_REPLY, close: true });

/**
 * The task service: 'Your data was N bytes' (N the UTF-8 byte length) for a message,
 * the earlier messages for 'History', 'Disconnect' and close for 'Exit'.
 */
export function createTaskSession(options: TaskSessionOptions = {}): Session {
  const limit = integerOption(
    'historyLimit',
    options.historyLimit,
    DEFAULT_HISTORY_LIMIT,
    0,
    1_000_000,
  );
  const maxBytes = integerOption(
    'historyMaxBytes',
    options.historyMaxBytes,
    DEFAULT_HISTORY_MAX_BYTES,
    0,
    2 ** 30,
  );
  return new TaskSession(limit, maxBytes);
}

const NO_ENTRIES: (string | number)[] = [];

/**
 * The newest messages, at most `limit` of them and `maxBytes` UTF-8 bytes in all (the newest
 * one whatever its size). A queue with a moving head: adding is amortised O(1), where an
 * array's shift() would copy the whole history on every message once it is full.
 */
class RecentMessages {
  // Each message and its size side by side in one array: one allocation per connection,
  // where two parallel arrays cost every idle connection a second one.
  // NO_ENTRIES (shared, never written to) until the first message.
  #entries: (string | number)[] = NO_ENTRIES;
  #head = 0;
  #bytes = 0;

  constructor(
    readonly limit: number,
    readonly maxBytes: number,
  ) {}

  add(message: string, bytes: number): void {
    if (this.limit === 0) return;
    const entries = this.#entries;
    if (entries.length === 0) {
      // The first message gets an array of its size: push would reserve room for eight
      // more, which most connections (one exchange, then idle) never use.
      this.#entries = [message, bytes];
      this.#bytes = bytes;
      return;
    }
    entries.push(message, bytes);
    this.#bytes += bytes;
    while (
      (entries.length - this.#head) / 2 > this.limit ||
      (this.#bytes > this.maxBytes && entries.length - this.#head > 2)
    ) {
      this.#bytes -= entries[this.#head + 1] as number;
      entries[this.#head] = ''; // let the evicted text be collected now
      this.#head += 2;
    }
    if (this.#head > 128 && this.#head * 2 > entries.length) {
      this.#entries = entries.slice(this.#head);
      this.#head = 0;
    }
  }

  oldestFirst(): string[] {
    const messages: string[] = [];
    for (let i = this.#head; i < this.#entries.length; i += 2) {
      messages.push(this.#entries[i] as string);
    }
    return messages;
  }
}

// Sessions are classes, their methods shared on the prototype: a server holds one per
// connection, and 10,000 idle connections should not carry two closures each. A task
// session is its History (it extends RecentMessages): one object per connection, not two.
class TaskSession extends RecentMessages implements Session {
  handle(line: string): SessionReply {
    switch (command(line)) {
      case 'exit':
        return DISCONNECT;
      case 'history':
        return { reply: formatHistory(this.oldestFirst()), close: false };
      default: {
        const bytes = Buffer.byteLength(line, 'utf8');
        this.add(line, bytes);
        return { reply: `Your data was ${bytes} bytes`, close: false };
      }
    }
  }

  answerText(text: string, maxReplyBytes: number): string | undefined {
    const lines = text.split('\n');
    lines.pop(); // the empty text after the last '\n'
    let replyBytes = 0;
    for (const line of lines) {
      const name = command(line);
      if (name === 'exit' || name === 'history') return undefined;
      replyBytes += TASK_REPLY_BYTES + decimalDigits(line.length);
    }
    if (replyBytes > maxReplyBytes) return undefined;
    let replies = '';
    // ASCII: a line's length is its byte count.
    for (const line of lines) {
      this.add(line, line.length);
      replies += `Your data was ${line.length} bytes\n`;
    }
    return replies;
  }
}

/** 'Your data was  bytes\n' without the number. */
const TASK_REPLY_BYTES = 'Your data was  bytes\n'.length;

function decimalDigits(value: number): number {
  return String(value).length;
}

/** Whether any line of `upper` (uppercased lines, each ended by '\n') may be `Exit`. */
function mayHoldExit(upper: string): boolean {
  // A line is 'exit' in any case, trimmed: every such line holds 'EXIT' once uppercased.
  // A message that merely contains it ('EXITS') takes the line-by-line path: still right.
  return upper.includes('EXIT');
}

/** The uppercase service over TCP: each message uppercased (full Unicode), 'Exit' as in task. */
export function createUppercaseSession(): Session {
  return new UppercaseSession();
}

class UppercaseSession implements Session {
  handle(line: string): SessionReply {
    if (isExitCommand(line)) return DISCONNECT;
    return { reply: uppercase(line), close: false };
  }

  answerText(text: string, maxReplyBytes: number): string | undefined {
    // ASCII uppercases to as many bytes, in one native call for all the lines.
    if (text.length > maxReplyBytes) return undefined;
    const upper = text.toUpperCase();
    return mayHoldExit(upper) ? undefined : upper;
  }
}

/** A fresh session of the named service; throws UnknownServiceError for any other name. */
export function createSession(service: ServiceName, options: TaskSessionOptions = {}): Session {
  switch (service) {
    case 'task':
      return createTaskSession(options);
    case 'uppercase':
      return createUppercaseSession();
    default:
      throw new UnknownServiceError(String(service));
  }
}
