import type { Readable } from 'node:stream';
import { createInterface } from 'node:readline';

/** One pino JSON line, as far as the soak reads it. */
export interface ServerLogLine {
  msg: string;
  level?: number;
  [field: string]: unknown;
}

const RECEIVED = '"msg":"Received message from client"}';
const KEPT_LINES = 20;

/**
 * Counts a server's log lines as they stream by, keeping none but the few worth showing:
 * a soak logs millions of `Received message from client` lines, and a collector that kept
 * them all would be the memory leak. Those are counted without parsing.
 */
/** What a netlab server logs when stdout was not read fast enough (packages/cli's logger). */
const DROPPED_LINES = 'Log lines dropped: stdout is not read fast enough';

export class ServerLog {
  /** Lines per `msg`. */
  readonly messages = new Map<string, number>();
  /** `Connection closed` lines per reason (and detail, when there is one). */
  readonly closeReasons = new Map<string, number>();
  /** The first warn-or-worse lines, and lines that are not JSON (a crash's stack trace). */
  readonly trouble: (ServerLogLine | string)[] = [];
  troubleCount = 0;
  /**
   * Log lines the server said it dropped because this reader lagged (its `Log lines dropped`
   * warnings): the server keeping its memory bounded, as it should, not trouble. Counts read
   * from the log are short by this many.
   */
  droppedLines = 0;
  #waiters: { predicate: () => boolean; resolve(): void }[] = [];

  /** Reads `stream` line by line; without one, lines come through `add`. */
  constructor(stream?: Readable) {
    if (stream) createInterface({ input: stream }).on('line', (text) => this.add(text));
  }

  count(msg: string): number {
    return this.messages.get(msg) ?? 0;
  }

  /** Connections accepted and not yet closed, by the server's own account. */
  get openConnections(): number {
    return this.count('Connection accepted') - this.count('Connection closed');
  }

  /** Resolves true once `predicate` holds (tested after each line), false after timeoutMs. */
  waitUntil(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    if (predicate()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = {
        predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve(true);
        },
      };
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(false);
      }, timeoutMs);
      this.#waiters.push(waiter);
    });
  }

  /** Takes one line of output (exported for the unit test). */
  add(text: string): void {
    if (text.startsWith('{"level":30,') && text.endsWith(RECEIVED)) {
      this.#bump(this.messages, 'Received message from client');
    } else {
      this.#addParsed(text);
    }
    if (this.#waiters.length > 0) {
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.predicate()) return true;
        waiter.resolve();
        return false;
      });
    }
  }

  #addParsed(text: string): void {
    let line: ServerLogLine;
    try {
      line = JSON.parse(text) as ServerLogLine;
    } catch {
      return this.#keepTrouble(text);
    }
    this.#bump(this.messages, line.msg);
    if (line.msg === 'Connection closed') {
      const reason = String(line.reason);
      this.#bump(this.closeReasons, line.detail ? `${reason} (${String(line.detail)})` : reason);
    }
    if (line.msg === DROPPED_LINES) {
      this.droppedLines += Number(line.dropped ?? 0);
      return;
    }
    if ((line.level ?? 0) >= 40) this.#keepTrouble(line);
  }

  #keepTrouble(line: ServerLogLine | string): void {
    this.troubleCount++;
    if (this.trouble.length < KEPT_LINES) this.trouble.push(line);
  }

  #bump(counts: Map<string, number>, key: string): void {
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
}
