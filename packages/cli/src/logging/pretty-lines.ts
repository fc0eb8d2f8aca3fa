import { prettyFactory } from 'pino-pretty';

/** `--log-format`: JSON lines for programs, human lines for people, or chosen by the stream. */
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * The format a stream gets when `--log-format` is not given: human lines at a terminal,
 * JSON (the contract tools read) when piped or redirected.
 */
export function formatFor(requested: LogFormat | undefined, isTerminal: boolean): LogFormat {
  return requested ?? (isTerminal ? 'pretty' : 'json');
}

/**
 * A pino destination that writes each JSON line as a human one
 * (`[12:00:01.234] INFO: Listening at {"transport":"tcp","port":1060}`) to `target`.
 * pino-pretty is used as a function, synchronously, not as a transport: transports need a
 * worker file an esbuild bundle does not carry, and a synchronous write keeps the flush and
 * drain of `target` meaning what they say.
 */
export function prettyLines(
  target: { write(text: string): unknown },
  options: { colors: boolean },
): { write(line: string): void } {
  const prettify = prettyFactory({
    colorize: options.colors,
    singleLine: true,
    // The process is the one the user started: its pid, host and name add nothing here.
    ignore: 'pid,hostname,name',
    translateTime: 'SYS:HH:MM:ss.l',
  });
  return {
    write(line: string): void {
      target.write(prettify(line));
    },
  };
}
