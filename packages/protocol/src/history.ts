import * as z from 'zod/mini';

/** How every History reply starts; parseHistory recognises a reply by it. */
export const HISTORY_PREFIX = 'History: ';

const historySchema = z.array(z.string());

/**
 * The History reply: 'History: ' then the messages as a JSON array, oldest first.
 * JSON escapes quotes, backslashes and control characters (a '\n' too), so the reply
 * is one line and reads back exactly, whatever the messages hold.
 */
export function formatHistory(messages: readonly string[]): string {
  return HISTORY_PREFIX + JSON.stringify(messages);
}

/** The messages of a History reply, for display; undefined when the reply is not one. */
export function parseHistory(reply: string): string[] | undefined {
  if (!reply.startsWith(HISTORY_PREFIX)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(reply.slice(HISTORY_PREFIX.length));
  } catch {
    return undefined;
  }
  const parsed = historySchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
