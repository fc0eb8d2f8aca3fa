import { REPLY_PREFIX } from '@netlab/cli';
import { parseHistory } from '@netlab/protocol';
import { describeHistory } from './history-display';

/**
 * Commands match as the server matches them: regardless of case and surrounding spaces.
 * The client needs to know two of them: Exit ends the session, History gets a readable display.
 */
export function isCommand(line: string, command: 'exit' | 'history'): boolean {
  return line.trim().toLowerCase() === command;
}

/**
 * What the screen shows for the reply to `sent`: `Received Message from Server: <reply>`,
 * with a History reply (to a History request) one message a line.
 */
export function replyText(sent: string, reply: string): string {
  const history = isCommand(sent, 'history') ? parseHistory(reply) : undefined;
  const lines = history ? describeHistory(history) : [reply];
  return `${REPLY_PREFIX}${lines.join('\n')}\n`;
}

// The transport's own notices (`Error: server busy`, `Error: line too long (limit N bytes)`,
// idle timeouts) start so, and the server closes the connection right after one. Neither
// service's replies can: task answers `Your data was ...`, uppercase answers in capitals.
const NOTICE_PREFIX = 'Error: ';

/** The notice a server line carries (`server busy`), or undefined for an ordinary reply. */
export function serverNotice(line: string): string | undefined {
  return line.startsWith(NOTICE_PREFIX) ? line.slice(NOTICE_PREFIX.length) : undefined;
}
