import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { createSession, lineCodec, type ServiceName } from '@netlab/protocol';
import { createTcpServer, type Logger, type TcpLimits, type TcpServer } from '../src';

/** A log line as pino would write it: the fields, `level` and `msg`. */
export type LogEntry = Record<string, unknown> & { level: string; msg: string };

/** A Logger that keeps every entry and lets a test await the one it expects. */
export class MemoryLogger implements Logger {
  readonly entries: LogEntry[] = [];
  #waiters: { match: (entry: LogEntry) => boolean; resolve: (entry: LogEntry) => void }[] = [];

  constructor(private readonly level: 'debug' | 'info' = 'info') {}

  debug(obj: object, msg: string): void {
    if (this.level === 'debug') this.#add('debug', obj, msg);
  }
  info(obj: object, msg: string): void {
    this.#add('info', obj, msg);
  }
  warn(obj: object, msg: string): void {
    this.#add('warn', obj, msg);
  }
  error(obj: object, msg: string): void {
    this.#add('error', obj, msg);
  }
  isLevelEnabled(level: string): boolean {
    return level !== 'debug' || this.level === 'debug';
  }

  /** Entries with this message (and, if given, these field values). */
  find(msg: string, fields: Record<string, unknown> = {}): LogEntry[] {
    return this.entries.filter((entry) => matches(entry, msg, fields));
  }

  /** Resolves with the first entry (already logged or still to come) that matches. */
  waitFor(msg: string, fields: Record<string, unknown> = {}): Promise<LogEntry> {
    const match = (entry: LogEntry): boolean => matches(entry, msg, fields);
    const found = this.entries.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => this.#waiters.push({ match, resolve }));
  }

  #add(level: string, obj: object, msg: string): void {
    const entry = { ...obj, level, msg } as LogEntry;
    this.entries.push(entry);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.match(entry)) return true;
      waiter.resolve(entry);
      return false;
    });
  }
}

function matches(entry: LogEntry, msg: string, fields: Record<string, unknown>): boolean {
  return entry.msg === msg && Object.entries(fields).every(([key, value]) => entry[key] === value);
}

const cleanups: (() => Promise<unknown> | void)[] = [];

/** Registers something to close after the current test (call from tests, run in afterEach). */
export function onCleanup(fn: () => Promise<unknown> | void): void {
  cleanups.push(fn);
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!();
}

/** A line server over the protocol's sessions, on 127.0.0.1 port 0, closed after the test. */
export async function startLineServer(
  options: {
    /** Server limits, and the line codec's maxLineBytes beside them. */
    limits?: Partial<TcpLimits> & { maxLineBytes?: number };
    service?: ServiceName;
    /** The task session's History budget (protocol's default: 16 KiB). */
    historyMaxBytes?: number;
    logger?: MemoryLogger;
    dump?: boolean;
  } = {},
): Promise<{ server: TcpServer; port: number; logger: MemoryLogger }> {
  const logger = options.logger ?? new MemoryLogger();
  const { maxLineBytes, ...serverLimits } = options.limits ?? {};
  const server = createTcpServer({
    codec: lineCodec({ maxLineBytes }),
    createSession: () =>
      createSession(options.service ?? 'task', { historyMaxBytes: options.historyMaxBytes }),
    errorFrame: (message) => message,
    logger,
    dump: options.dump,
    limits: serverLimits,
  });
  onCleanup(() => server.close({ graceMs: 0 }));
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  if ('path' in address) throw new Error('expected a TCP address');
  return { server, port: address.port, logger };
}

/** A bare node:net client that reads replies line by line, as a test needs them. */
export class RawClient {
  readonly socket: Socket;
  readonly closed: Promise<boolean>;
  #buffer = '';
  #lines: string[] = [];
  #waiter: (() => void) | undefined;
  #ended = false;
  error: NodeJS.ErrnoException | undefined;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      this.#buffer += text;
      const parts = this.#buffer.split('\n');
      this.#buffer = parts.pop()!;
      this.#lines.push(...parts);
      this.#wake();
    });
    socket.on('end', () => {
      this.#ended = true;
      this.#wake();
    });
    socket.on('error', (error) => (this.error = error));
    // Not events.once: that rejects on 'error', and a reset is an outcome tests look at.
    this.closed = new Promise((resolve) =>
      socket.once('close', (hadError: boolean) => {
        this.#ended = true;
        this.#wake();
        resolve(hadError);
      }),
    );
    onCleanup(() => {
      socket.destroy();
    });
  }

  static async connect(port: number, options: { reading?: boolean } = {}): Promise<RawClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await once(socket, 'connect');
    const client = new RawClient(socket);
    if (options.reading === false) socket.pause();
    return client;
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** The next `count` reply lines; rejects if the server ends the stream first. */
  async readLines(count: number): Promise<string[]> {
    while (this.#lines.length < count) {
      if (this.#ended) {
        throw new Error(
          `stream ended after ${this.#lines.length} of ${count} lines: ${JSON.stringify(this.#lines)}`,
        );
      }
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
    return this.#lines.splice(0, count);
  }

  async readLine(): Promise<string> {
    return (await this.readLines(1))[0];
  }

  /** Every remaining line up to the server's end of stream. */
  async readToEnd(): Promise<string[]> {
    while (!this.#ended) await new Promise<void>((resolve) => (this.#waiter = resolve));
    return this.#lines.splice(0);
  }

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.();
  }
}
