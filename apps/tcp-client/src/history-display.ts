/**
 * How tcp-client shows a History reply: a count, then one numbered message a line.
 *
 *   History (2 messages)
 *     1. Hi
 *     2. Testing Connection
 *
 * A message is shown as it is when what the eye sees is exactly the message. Otherwise it
 * is shown as a JSON string in double quotes, with escapes: when it is empty, has leading
 * or trailing whitespace, holds a line break, a control or bidirectional-override
 * character, or itself starts with a double quote (so a quoted form always means
 * "escaped", and no message can pass for another).
 */
export function describeHistory(messages: readonly string[]): string[] {
  const count =
    messages.length === 0
      ? 'no messages'
      : messages.length === 1
        ? '1 message'
        : `${messages.length} messages`;
  const width = String(messages.length).length;
  return [
    `History (${count})`,
    ...messages.map((message, i) => `  ${String(i + 1).padStart(width)}. ${showMessage(message)}`),
  ];
}

// Characters that are invisible, move the cursor, or reorder the text around them.
// \p{Cc}: C0 and C1 controls and DEL; \p{Cs}: a lone surrogate; then the Unicode line and
// paragraph separators and the bidirectional marks, embeddings, overrides and isolates.
const UNSAFE = /[\p{Cc}\p{Cs}\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;
const UNSAFE_ALL = new RegExp(UNSAFE.source, 'gu');

function showMessage(message: string): string {
  const plain =
    message.length > 0 &&
    !/^\s|\s$/u.test(message) &&
    !message.startsWith('"') &&
    !UNSAFE.test(message);
  return plain ? message : quote(message);
}

/** JSON string syntax, and \u escapes for what JSON.stringify leaves as it is. */
function quote(message: string): string {
  return JSON.stringify(message).replace(
    UNSAFE_ALL,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
