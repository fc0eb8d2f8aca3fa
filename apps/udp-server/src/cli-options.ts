import { parseArgs } from 'node:util';
import { z } from 'zod';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface ServerOptions {
  host: string;
  port: number;
  service: 'uppercase';
  logLevel: LogLevel;
  dump: boolean;
  /** Datagrams per second per source address (burst the same); 0 means no limit. */
  rateLimit: number;
}

export type ParsedArgs =
  | { kind: 'run'; options: ServerOptions }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'error'; message: string };

export const USAGE = `Usage: udp-server [options]

The UDP uppercase service: every datagram is answered with its text uppercased.

Options:
  --host HOST         address or host name to bind (default 0.0.0.0; :: for IPv6)
  --port PORT         port to bind, 0 lets the OS pick one (default 12000)
  --service NAME      service to run: uppercase (default uppercase)
  --rate-limit N      datagrams per second per source address, 0 for no limit (default 0)
  --log-level LEVEL   fatal, error, warn, info, debug, trace or silent (default info)
  --dump              log every datagram's text and hex at debug level
  --help              print this help and exit
  --version           print the version and exit
`;

// A host name (RFC 1123 labels) or an IP literal; whether it exists is the resolver's call.
const hostSchema = z
  .string()
  .regex(
    /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%A-Za-z]*)$/,
  );

const portSchema = z
  .string()
  .regex(/^\d+$/)
  .transform(Number)
  .pipe(z.number().int().min(0).max(65535));
const rateSchema = z
  .string()
  .regex(/^\d+(\.\d+)?$/)
  .transform(Number)
  .pipe(z.number().min(0).max(1_000_000));

/** Thrown inside the parser only; parseServerArgs turns it into its one-line result. */
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
export function parseServerArgs(argv: readonly string[]): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        service: { type: 'string' },
        'rate-limit': { type: 'string' },
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
          values.host ?? '0.0.0.0',
        ),
        port: read('port', portSchema, 'an integer from 0 to 65535', values.port ?? '12000'),
        service: read('service', z.enum(['uppercase']), 'uppercase', values.service ?? 'uppercase'),
        rateLimit: read(
          'rate-limit',
          rateSchema,
          'a number of datagrams per second from 0 (no limit) to 1000000',
          values['rate-limit'] ?? '0',
        ),
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
