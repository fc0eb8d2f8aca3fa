import type { FlagSpec } from './flag';
import { environmentNames } from './environment';
import { flagName } from './parse-flags';

/**
 * The --help text: a summary, then one line per flag with its default and the variables it
 * is also read from, and how those rank.
 */
export function formatUsage(name: string, summary: string, spec: FlagSpec, footer = ''): string {
  const rows: Array<[string, string, string]> = Object.entries(spec).map(([option, definition]) => {
    const left = `--${flagName(option)}${definition.valueName ? ` ${definition.valueName}` : ''}`;
    const shownDefault =
      definition.kind === 'switch' || definition.defaultValue === undefined
        ? ''
        : ` (default ${String(definition.defaultValue)})`;
    const variables = `env ${environmentNames(option, definition).join(', ')}`;
    return [left, `${definition.help}${shownDefault}`, variables];
  });
  rows.push(
    ['--help', 'print this help and exit', ''],
    ['--version', 'print the version and exit', ''],
  );
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  const lines = rows.map(
    ([left, right, variables]) =>
      `  ${left.padEnd(width)}${right}${variables ? `\n  ${' '.repeat(width)}${variables}` : ''}`,
  );
  return (
    `Usage: ${name} [options]\n\n${summary}\n\nOptions:\n${lines.join('\n')}\n\n` +
    `Each flag can also come from the environment variables under it (a switch: 1 or 0):\n` +
    `the flag on the command line wins over a variable, which wins over the default.\n` +
    `${footer ? `\n${footer}\n` : ''}`
  );
}
