import { onCleanup, runCleanups } from '@netlab-tools/app-harness';
import { createSession, lineCodec, type ServiceName } from '@netlab/protocol';
import {
  createTcpServer,
  type ConnectionInfo,
  type Logger,
  type TcpLimits,
  type TcpServer,
  type TcpServerTlsOptions,
} from '../src';

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

// One cleanup registry for these tests and the harness's LineSocket clients.
export { onCleanup, runCleanups };

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
    tls?: TcpServerTlsOptions;
    proxyProtocol?: boolean;
    /** Every connection's info, as its session was given it. */
    sessions?: ConnectionInfo[];
  } = {},
): Promise<{ server: TcpServer; port: number; logger: MemoryLogger }> {
  const logger = options.logger ?? new MemoryLogger();
  const { maxLineBytes, ...serverLimits } = options.limits ?? {};
  const server = createTcpServer({
    codec: lineCodec({ maxLineBytes }),
    createSession: (info) => {
      options.sessions?.push(info);
      return createSession(options.service ?? 'task', { historyMaxBytes: options.historyMaxBytes });
    },
    errorFrame: (message) => message,
    logger,
    dump: options.dump,
    limits: serverLimits,
    tls: options.tls,
    proxyProtocol: options.proxyProtocol,
  });
  onCleanup(() => server.close({ graceMs: 0 }));
  const address = await server.listen({ host: '127.0.0.1', port: 0 });
  if ('path' in address) throw new Error('expected a TCP address');
  return { server, port: address.port, logger };
}
