import { DISCONNECT_REPLY, isExitCommand } from './session';

/**
 * What the chat room needs of a member's connection: a way to push it a line the member did
 * not ask for. tcp-transport's `SessionConnection<string>` fits as it is; `send` returning
 * false (a client too far behind, cut off by its transport) is the transport's business.
 */
export interface ChatConnection {
  send(line: string): boolean | void;
}

/** What a chat session answers to one line: nothing, or `Disconnect` and close for `Exit`. */
export interface ChatReply {
  reply?: string;
  close: boolean;
}

/** One member's side of the room: the lines it says, and its leaving. */
export interface ChatSession {
  /** A line from this member: relayed to every other member; `Exit` answers `Disconnect` and leaves. */
  handle(line: string): ChatReply;
  /** The member's connection is gone (for whatever reason): it leaves the room. Idempotent. */
  closed(): void;
}

const SILENT: ChatReply = Object.freeze({ close: false });
const DISCONNECT: ChatReply = Object.freeze({ reply: DISCONNECT_REPLY, close: true });

/**
 * The chat service (ncat's `--chat` idea): a line from one member goes to every other member
 * as `<name>: <line>`; the sender gets no reply (it would be one more line per line to read
 * past), except `Disconnect` for `Exit`, as in task. One room per server (or per worker).
 * Pure: the transport decides what a slow member costs.
 */
export class ChatRoom {
  readonly #members = new Map<ChatSession, { name: string; connection: ChatConnection }>();

  /** How many members are in the room. */
  get size(): number {
    return this.#members.size;
  }

  /** Adds a member known to the others as `name` (`127.0.0.1:50312`). */
  join(name: string, connection: ChatConnection): ChatSession {
    const members = this.#members;
    const session: ChatSession = {
      handle: (line) => {
        if (isExitCommand(line)) {
          members.delete(session);
          return DISCONNECT;
        }
        if (!members.has(session)) return SILENT;
        const relayed = `${name}: ${line}`;
        for (const [other, member] of members) {
          if (other !== session) member.connection.send(relayed);
        }
        return SILENT;
      },
      closed: () => {
        members.delete(session);
      },
    };
    members.set(session, { name, connection });
    return session;
  }
}
