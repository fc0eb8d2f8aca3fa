import { UnknownServiceError } from './errors';
import { formatHistory } from './history';
import { integerOption } from './options';
import { uppercase } from './uppercase';

/** What a session answers to one line, and whether the connection ends after the reply. */
export interface SessionReply {
  reply: string;
  close: boolean;
}

/** One connection's conversation: a line in, a reply out. */
export interface Session {
  handle(line: string): SessionReply;
}

export const SERVICE_NAMES = ['task', 'uppercase'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const DISCONNECT_REPLY = 'Disconnect';
export const DEFAULT_HISTORY_LIMIT = 100;

export interface TaskSessionOptions {
  /** Messages History remembers, newest kept. Default 100. */
  historyLimit?: number;
}

/** Commands match regardless of case and surrounding whitespace: ' exit ' is Exit. */
function command(line: string): string {
  return line.trim().toLowerCase();
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
  const history: string[] = [];
  return {
    handle(line) {
      switch (command(line)) {
        case 'exit':
          return DISCONNECT;
        case 'history':
          return { reply: formatHistory(history), close: false };
        default:
          if (limit > 0) {
            if (history.length === limit) history.shift();
            history.push(line);
          }
          return { reply: `Your data was ${Buffer.byteLength(line, 'utf8')} bytes`, close: false };
      }
    },
  };
}

/** The uppercase service over TCP: each message uppercased (full Unicode), 'Exit' as in task. */
export function createUppercaseSession(): Session {
  return {
    handle(line) {
      if (command(line) === 'exit') return DISCONNECT;
      return { reply: uppercase(line), close: false };
    },
  };
}

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
