import type { Flag } from './flag';
import { flagName } from './parse-flags';

/** Every variable of a netlab app starts so: `--max-connections` is NETLAB_MAX_CONNECTIONS. */
export const ENVIRONMENT_PREFIX = 'NETLAB_';

/** The variables read by the process environment, as `process.env` has them. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** camelCase option name → its variable (maxConnections → NETLAB_MAX_CONNECTIONS). */
export function environmentName(option: string): string {
  return `${ENVIRONMENT_PREFIX}${flagName(option).replace(/-/g, '_').toUpperCase()}`;
}

/**
 * The variables a flag is read from when it is not on the command line, first one first:
 * its own NETLAB_ variable, then any the flag adds (`PORT` for a server's port, as
 * platforms that assign ports set it).
 */
export function environmentNames(option: string, definition: Flag<unknown>): string[] {
  return [environmentName(option), ...(definition.alsoFrom ?? [])];
}

/**
 * The first of the flag's variables that is set to something: its name and text. An empty
 * variable counts as unset (`NETLAB_PORT= tcp-server` is how a shell clears one).
 */
export function findInEnvironment(
  option: string,
  definition: Flag<unknown>,
  environment: Environment,
): { variable: string; text: string } | undefined {
  for (const variable of environmentNames(option, definition)) {
    const text = environment[variable];
    if (text !== undefined && text !== '') return { variable, text };
  }
  return undefined;
}

const SWITCH_ON = ['1', 'true', 'yes', 'on'];
const SWITCH_OFF = ['0', 'false', 'no', 'off'];
export const SWITCH_TEXTS = 'one of 1, true, yes, on, 0, false, no, off';

/** A switch from a variable: NETLAB_DUMP=1 or =true turns --dump on; undefined: not a switch word. */
export function readSwitchText(text: string): boolean | undefined {
  const word = text.trim().toLowerCase();
  if (SWITCH_ON.includes(word)) return true;
  if (SWITCH_OFF.includes(word)) return false;
  return undefined;
}
