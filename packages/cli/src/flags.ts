import { parseArgs } from 'node:util';
// zod/mini: tree-shakable, so each app's bundle carries only the checks it uses.
import * as z from 'zod/mini';

/**
 * One command-line flag: how its text becomes a value, and what to tell a user who got it
 * wrong. `accepts` completes the sentence "--port must be ..." of the one-line usage error.
 */
export interface Flag<T> {
  readonly kind: 'value' | 'switch';
  readonly schema: z.ZodMiniType<T, string> | null;
  readonly defaultValue: T;
  readonly accepts: string;
  readonly help: string;
  readonly valueName: string;
}

export type FlagSpec = Record<string, Flag<unknown>>;
export type FlagValues<S extends FlagSpec> = { [K in keyof S]: S[K]['defaultValue'] };

export type ParsedArgs<T> =
  | { kind: 'run'; options: T }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'error'; message: string };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

// A host name (RFC 1123 labels) or an IP literal; whether it exists is the resolver's call.
const HOST_PATTERN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.%A-Za-z]*)$/;

function valueFlag<T>(
  schema: z.ZodMiniType<T, string>,
  defaultValue: T,
  accepts: string,
  help: string,
  valueName: string,
): Flag<T> {
  return { kind: 'value', schema, defaultValue, accepts, help, valueName };
}

/** Decimal digits only (no sign, exponent or fraction), read as an integer in [min, max]. */
function integerText(min: number, max: number): z.ZodMiniType<number, string> {
  const digits = z.string().check(z.regex(/^\d+$/));
  return z.pipe(z.pipe(digits, z.transform(Number)), z.int().check(z.gte(min), z.lte(max)));
}

/** Builders for the flags the apps share; each app composes its own spec from them. */
export const flag = {
  integer(min: number, max: number, defaultValue: number, help: string, valueName = 'N') {
    const schema = integerText(min, max);
    return valueFlag(schema, defaultValue, `an integer from ${min} to ${max}`, help, valueName);
  },
  /** A port number; servers accept 0 (the OS picks one), clients start at 1. */
  port(defaultValue: number, help: string, min = 0) {
    return flag.integer(min, 65535, defaultValue, help, 'PORT');
  },
  host(defaultValue: string, help: string) {
    const schema = z.string().check(z.regex(HOST_PATTERN));
    return valueFlag(schema, defaultValue, 'an IPv4 or IPv6 address or a host name', help, 'HOST');
  },
  choice<const C extends readonly [string, ...string[]]>(
    choices: C,
    defaultValue: C[number],
    help: string,
    valueName = 'NAME',
  ) {
    const schema = z.enum(choices) as unknown as z.ZodMiniType<C[number], string>;
    return valueFlag(schema, defaultValue, `one of ${choices.join(', ')}`, help, valueName);
  },
  /** A string flag without a default: undefined when absent (e.g. --path). */
  optionalText(help: string, accepts: string, valueName: string) {
    const schema = z.string().check(z.minLength(1)) as z.ZodMiniType<string | undefined, string>;
    return valueFlag<string | undefined>(schema, undefined, accepts, help, valueName);
  },
  /** A flag whose text is read by a custom zod schema (e.g. `--workers N|auto`). */
  custom<T>(
    schema: z.ZodMiniType<T, string>,
    defaultValue: T,
    accepts: string,
    help: string,
    valueName: string,
  ) {
    return valueFlag(schema, defaultValue, accepts, help, valueName);
  },
  /** `--workers N|auto`: server processes, `auto` for one per core. */
  workers(): Flag<number | 'auto'> {
    const schema = z.union([z.literal('auto'), integerText(1, 256)]);
    return valueFlag<number | 'auto'>(
      schema,
      1,
      'an integer from 1 to 256, or auto (one per core)',
      'server processes (node:cluster), auto for one per core',
      'N|auto',
    );
  },
  switch(help: string): Flag<boolean> {
    return {
      kind: 'switch',
      schema: null,
      defaultValue: false,
      accepts: 'no value',
      help,
      valueName: '',
    };
  },
  logLevel(): Flag<LogLevel> {
    return flag.choice(LOG_LEVELS, 'info', `log level: ${LOG_LEVELS.join(', ')}`, 'LEVEL');
  },
};

/** camelCase option name → the kebab-case flag a user types (logLevel → --log-level). */
export function flagName(option: string): string {
  return option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** Thrown inside the parser only; parseFlags turns it into its one-line result. */
class UsageError extends Error {}

/**
 * The process arguments (without node and script) as typed options, `help`, `version`, or
 * one line saying which flag is wrong and what it accepts. Nothing here exits or prints:
 * the caller decides (see runCli).
 */
export function parseFlags<S extends FlagSpec>(
  spec: S,
  argv: readonly string[],
): ParsedArgs<FlagValues<S>> {
  const options: Record<string, { type: 'string' | 'boolean' }> = {
    help: { type: 'boolean' },
    version: { type: 'boolean' },
  };
  for (const [name, definition] of Object.entries(spec)) {
    options[flagName(name)] = { type: definition.kind === 'switch' ? 'boolean' : 'string' };
  }
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options }));
  } catch (error) {
    return { kind: 'error', message: describeParseError(error) };
  }
  if (values['help']) return { kind: 'help' };
  if (values['version']) return { kind: 'version' };

  try {
    const parsed: Record<string, unknown> = {};
    for (const [name, definition] of Object.entries(spec)) {
      parsed[name] = readFlag(flagName(name), definition, values[flagName(name)]);
    }
    return { kind: 'run', options: parsed as FlagValues<S> };
  } catch (error) {
    if (error instanceof UsageError) return { kind: 'error', message: error.message };
    throw error;
  }
}

function readFlag(
  name: string,
  definition: Flag<unknown>,
  raw: string | boolean | undefined,
): unknown {
  if (raw === undefined) return definition.defaultValue;
  if (definition.kind === 'switch' || definition.schema === null) return raw;
  const result = definition.schema.safeParse(raw);
  if (!result.success) {
    throw new UsageError(`--${name} must be ${definition.accepts} (got ${JSON.stringify(raw)})`);
  }
  return result.data;
}

/** node:util's messages are long and advise on positionals; ours name the flag and stop. */
export function describeParseError(error: unknown): string {
  const { code, message = String(error) } = error as { code?: string; message?: string };
  const flagInMessage = /'(-{1,2}[^' ]+)/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown flag ${flagInMessage} (see --help)`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      // 'argument missing' and 'argument is ambiguous' (--port -1) both mean: give it a value.
      return message.includes('does not take an argument')
        ? `${flagInMessage} takes no value (see --help)`
        : `${flagInMessage} needs a value (see --help)`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${JSON.stringify(/'([^']*)'/.exec(message)?.[1] ?? '')}; every option is a --flag (see --help)`;
    default:
      return message;
  }
}

/** The --help text: a summary, then one line per flag with its default. */
export function formatUsage(name: string, summary: string, spec: FlagSpec, footer = ''): string {
  const rows: Array<[string, string]> = Object.entries(spec).map(([option, definition]) => {
    const left = `--${flagName(option)}${definition.valueName ? ` ${definition.valueName}` : ''}`;
    const shownDefault =
      definition.kind === 'switch' || definition.defaultValue === undefined
        ? ''
        : ` (default ${String(definition.defaultValue)})`;
    return [left, `${definition.help}${shownDefault}`];
  });
  rows.push(['--help', 'print this help and exit'], ['--version', 'print the version and exit']);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = rows.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
  return `Usage: ${name} [options]\n\n${summary}\n\nOptions:\n${lines.join('\n')}\n${footer ? `\n${footer}\n` : ''}`;
}
