import type { Logger } from '../../src';

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps every record, so tests can assert on the SPEC's log events. */
export function captureLogger(): Logger & {
  records: LogRecord[];
  messages(level?: LogRecord['level']): string[];
} {
  const records: LogRecord[] = [];
  const at =
    (level: LogRecord['level']) =>
    (fields: object, msg: string): void => {
      records.push({ level, msg, fields: fields as Record<string, unknown> });
    };
  return {
    records,
    messages: (level) => records.filter((r) => !level || r.level === level).map((r) => r.msg),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
  };
}
