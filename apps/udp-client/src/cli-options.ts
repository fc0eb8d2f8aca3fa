import { parseArgs } from 'node:util';
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ClientOptions {
  host: string;
  port: number;
  /** First wait for a reply in ms; doubled on each retry. */
  timeout: number;
  /** Re-sends after the first try. */
  retries: number;
  logLevel: LogLevel;
  dump: boolean;
}

export type ParsedArgs =
  | { kind: 'run'; options: ClientOptions }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'error'; message: string };

export const USAGE = `Usage: udp-client [options]

Sends each line typed (or piped) to the UDP uppercase service and prints the reply.

Options:
  --host HOST         server address or host name (default 127.0.0.1; ::1 for IPv6)
  --port PORT         server port, 1 to 65535 (default 12000)
  --timeout MS        first wait for a reply, doubled on each retry (default 1000)
  --retries N         re-sends after the first try, 0 to 20 (default 3)
  --log-level LEVEL   fatal, error, warn, info, debug, trace or silent (default info); logs go to stderr
  --dump              log every datagram's text and hex at debug level
  --help              print this help and exit
  --version           print the version and exit

Exit status: 0 when every line was answered, 1 when some were not, 2 for a bad flag.
`;

// A host name (RFC 1123 labels) or an IP literal; whether it exists is the resolver's call.
const hostSchema = z
  .string()
  .regex(
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%A-Za-z]*)$/,
  );
const integer = (min: number, max: number) =>
  z.string().regex(/^\d+$/).transform(Number).pipe(z.number().int().min(min).max(max));

/** Thrown inside the parser only; parseClientArgs turns it into its one-line result. */
class UsageError extends Error {}

function read<S extends z.ZodType<unknown, string>>(
  flag: string,
  schema: S,
  accepts: string,
  raw: string,
): z.output<S> {
  const result = schema.safeParse(raw);
  if (!result.success)
    throw new UsageError(`--${flag} must be ${accepts} (got ${JSON.stringify(raw)})`);
  return result.data;
}

/** The process arguments (without node and script) as options, or one line saying what is wrong. */
export function parseClientArgs(argv: readonly string[]): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        timeout: { type: 'string' },
        retries: { type: 'string' },
        'log-level': { type: 'string' },
        dump: { type: 'boolean' },
        help: { type: 'boolean' },
        version: { type: 'boolean' },
      },
    }));
  } catch (error) {
    return { kind: 'error', message: describeParseError(error) };
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  try {
    return {
      kind: 'run',
      options: {
        host: read(
          'host',
          hostSchema,
          'an IPv4 or IPv6 address or a host name',
          values.host ?? '127.0.0.1',
        ),
        port: read('port', integer(1, 65535), 'an integer from 1 to 65535', values.port ?? '12000'),
        timeout: read(
          'timeout',
          integer(1, 600_000),
          'a whole number of milliseconds from 1 to 600000',
          values.timeout ?? '1000',
        ),
        retries: read('retries', integer(0, 20), 'an integer from 0 to 20', values.retries ?? '3'),
        logLevel: read(
          'log-level',
          z.enum(LOG_LEVELS),
          LOG_LEVELS.join(', '),
          values['log-level'] ?? 'info',
        ),
        dump: values.dump ?? false,
      },
    };
  } catch (error) {
    if (error instanceof UsageError) return { kind: 'error', message: error.message };
    throw error;
  }
}

/** node:util's messages are long and advise on positionals; ours name the flag and stop. */
export function describeParseError(error: unknown): string {
  const { code, message = String(error) } = error as { code?: string; message?: string };
  const flag = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flag} (see --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // 'argument missing' and 'argument is ambiguous' (--port -1) both mean: give it a value.
      return message.includes('does not take an argument')
        ? `${flag} takes no value (see --help)`
        : `${flag} needs a value (see --help)`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(/'([^']*)'/.exec(message)?.[1] ?? '')}; every option is a --flag (see --help)`;
    default:
      return message;
  }
}
