import { parseArgs } from 'node:util';
import { findInEnvironment, readSwitchText, SWITCH_TEXTS, type Environment } from './environment';
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
 * one line saying which flag (or variable) is wrong and what it accepts. A flag missing from
 * the command line is read from the environment (NETLAB_<FLAG>, see environment.ts), then
 * takes its default. Nothing here exits or prints: the caller decides (see runCli).
 */
export function parseFlags<S extends FlagSpec>(
  spec: S,
  argv: readonly string[],
  environment: Environment = {},
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
      const raw = values[flagName(name)];
      const value =
        raw !== undefined
          ? readFlag(`--${flagName(name)}`, definition, raw)
          : readVariable(name, definition, environment);
      const unusable = definition.usable?.(value);
      if (unusable) throw new UsageError(`--${flagName(name)} ${unusable}`);
      parsed[name] = value;
    }
    return { kind: 'run', options: parsed as FlagValues<S> };
  } catch (error) {
    if (error instanceof UsageError) return { kind: 'error', message: error.message };
    throw error;
  }
}

function readFlag(source: string, definition: Flag<unknown>, raw: string | boolean): unknown {
  if (definition.kind === 'switch' || definition.schema === null) return raw;
  const result = definition.schema.safeParse(raw);
  if (!result.success) {
    throw new UsageError(`${source} must be ${definition.accepts} (got ${JSON.stringify(raw)})`);
  }
  return result.data;
}

/** The flag's value from its first variable that is set, else its default. */
function readVariable(
  option: string,
  definition: Flag<unknown>,
  environment: Environment,
): unknown {
  const found = findInEnvironment(option, definition, environment);
  if (found === undefined) return definition.defaultValue;
  if (definition.kind !== 'switch') return readFlag(found.variable, definition, found.text);
  const on = readSwitchText(found.text);
  if (on === undefined) {
    throw new UsageError(
      `${found.variable} must be ${SWITCH_TEXTS} (got ${JSON.stringify(found.text)})`,
    );
  }
  return on;
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
