import type { Logger } from '../../src';

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
  /** When it was logged, by `performance.now()`. */
  at: number;
}

/** A Logger that keeps every record, so tests can assert on the contract's (docs/contract.md) log events. */
export function captureLogger(): Logger & {
  records: LogRecord[];
  messages(level?: LogRecord['level']): string[];
  /** Resolves with the first record with this message, logged already or yet to come. */
  waitFor(msg: string): Promise<LogRecord>;
} {
  const records: LogRecord[] = [];
  const waiters: { msg: string; resolve(record: LogRecord): void }[] = [];
  const at =
    (level: LogRecord['level']) =>
    (fields: object, msg: string): void => {
      const record = {
        level,
        msg,
        fields: fields as Record<string, unknown>,
        at: performance.now(),
      };
      records.push(record);
      for (const waiter of waiters.filter((w) => w.msg === msg)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(record);
      }
    };
  return {
    records,
    messages: (level) => records.filter((r) => !level || r.level === level).map((r) => r.msg),
    waitFor: (msg) => {
      const logged = records.find((r) => r.msg === msg);
      return logged
        ? Promise.resolve(logged)
        : new Promise((resolve) => waiters.push({ msg, resolve }));
    },
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
}
