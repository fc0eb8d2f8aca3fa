import { parseArgs } from 'node:util';
import type { Flag, FlagSpec, FlagValues } from './flag';

export type ParsedArgs<T> =
  | { kind: 'run'; options: T }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'error'; message: string };

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
