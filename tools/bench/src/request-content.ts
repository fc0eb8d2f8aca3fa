// What the load generator sends and the only replies it accepts.
//
// Every request is different: `<tag>-<sequence in base 36>:` then lowercase padding whose
// starting letter also moves with the sequence. So an uppercase reply names the exact
// request it answers, a reply to the wrong request (reordered, duplicated, from another
// connection) never compares equal, and a UDP reply can be matched by content alone,
// which works with any server, including the plain Python one.

import type { ServiceName } from './job-types';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz';
const SEQUENCE_START = '-'; // native/load-generator.c builds the same requests
const SEQUENCE_END = ':';

/** The shortest request content the generator can build (tag, sequence, separators). */
export const MIN_REQUEST_CHARS = 16;

export type RequestMaker = (tag: string, sequence: number) => string;

/** Builds requests of exactly `contentChars` ASCII characters (no line terminator). */
export function createRequestMaker(contentChars: number): RequestMaker {
  if (!Number.isInteger(contentChars) || contentChars < MIN_REQUEST_CHARS) {
    throw new RangeError(
      `requests need at least ${MIN_REQUEST_CHARS} characters, got ${contentChars}`,
    );
  }
  const repeats = Math.ceil(contentChars / ALPHABET.length) + 1;
  const paddings = Array.from({ length: ALPHABET.length }, (_, shift) =>
    (ALPHABET.slice(shift) + ALPHABET.slice(0, shift)).repeat(repeats),
  );
  return (tag, sequence) => {
    const prefix = `${tag}${SEQUENCE_START}${sequence.toString(36)}${SEQUENCE_END}`;
    if (prefix.length > contentChars) {
      throw new RangeError(`request prefix "${prefix}" does not fit in ${contentChars} characters`);
    }
    return prefix + paddings[sequence % ALPHABET.length].slice(0, contentChars - prefix.length);
  };
}

export type ReplyRule = (request: string) => string;

/** The exact reply the contract (docs/contract.md) promises for a request (without the line terminator). */
export function replyRuleFor(service: ServiceName): ReplyRule {
  switch (service) {
    case 'uppercase':
      return (request) => request.toUpperCase();
    case 'task':
      return (request) => `Your data was ${Buffer.byteLength(request, 'utf8')} bytes`;
  }
}

/** A short, printable account of a wrong reply, for the error samples in the report. */
export function describeMismatch(expected: string, received: string): string {
  return `expected ${JSON.stringify(shorten(expected))}, got ${JSON.stringify(shorten(received))}`;
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...(${text.length} chars)` : text;
}
