import type { FlagSpec } from './flag';
import { flagName } from './parse-flags';

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
