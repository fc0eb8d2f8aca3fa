import { readFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

/** One pino JSON line: `msg` and the fields the contract names. */
export interface LogLine {
  msg: string;
  level?: number;
  [field: string]: unknown;
}

/**
 * Collects the JSON log lines of a stream and lets a test await the one it expects.
 * A line that is not JSON is kept under `text` (it would be a bug worth seeing).
 */
export class LogCollector {
  readonly lines: LogLine[] = [];
  #waiters: { predicate: (line: LogLine) => boolean; resolve(line: LogLine): void }[] = [];

  /** Reads `stream` line by line; without one, lines come through `add`. */
  constructor(stream?: Readable) {
    if (stream) createInterface({ input: stream }).on('line', (text) => this.add(text));
  }

  /** Takes one line of output. */
  add(text: string): void {
    this.#add(parse(text));
  }

  /** Lines with this message whose fields include `fields`. */
  find(msg: string, fields: Record<string, unknown> = {}): LogLine[] {
    return this.lines.filter((line) => matches(line, msg, fields));
  }

  /** Resolves with the first line (already seen or still to come) that matches. */
  waitFor(msg: string, fields: Record<string, unknown> = {}): Promise<LogLine> {
    return this.waitUntil((line) => matches(line, msg, fields));
  }

  /** Resolves with the first `count` lines that match, once that many have come. */
  async waitForCount(
    msg: string,
    count: number,
    fields: Record<string, unknown> = {},
  ): Promise<LogLine[]> {
    let seen = 0; // waitUntil tests each line once, old lines first: a running count
    await this.waitUntil((line) => matches(line, msg, fields) && ++seen >= count);
    return this.find(msg, fields).slice(0, count);
  }

  waitUntil(predicate: (line: LogLine) => boolean): Promise<LogLine> {
    const seen = this.lines.find(predicate);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.#waiters.push({ predicate, resolve }));
  }

  #add(line: LogLine): void {
    this.lines.push(line);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.predicate(line)) return true;
      waiter.resolve(line);
      return false;
    });
  }
}

/** The JSON log lines of a file a process wrote (a server whose stdout went to a file). */
export function readLogFile(file: string): LogLine[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((text) => text !== '')
    .map(parse);
}

function parse(text: string): LogLine {
  try {
    const value: unknown = JSON.parse(text);
    if (value && typeof value === 'object' && 'msg' in value) return value as LogLine;
  } catch {
    // not JSON: kept as text below
  }
  return { msg: '(not JSON)', text };
}

function matches(line: LogLine, msg: string, fields: Record<string, unknown>): boolean {
  return (
    line.msg === msg &&
    Object.entries(fields).every(([key, value]) => isDeepStrictEqualLoose(line[key], value))
  );
}

function isDeepStrictEqualLoose(actual: unknown, expected: unknown): boolean {
  if (expected !== null && typeof expected === 'object') {
    if (actual === null || typeof actual !== 'object') return false;
    return Object.entries(expected).every(([key, value]) =>
      isDeepStrictEqualLoose((actual as Record<string, unknown>)[key], value),
    );
  }
  return actual === expected;
}
