import { flagName } from './parse-flags';

/**
 * The one line for a file given by a flag that cannot be used: `--tls-key server.key: does
 * not match the certificate in server.crt`. `files` maps option names (camelCase) to the
 * paths given; the flag whose path is `file` is named, so the user knows which to fix.
 */
export function describeFileFlagProblem(
  files: Record<string, string | undefined>,
  problem: { file?: string; message: string },
): string {
  const option = Object.keys(files).find((name) => files[name] === problem.file);
  return option === undefined ? problem.message : `--${flagName(option)} ${problem.message}`;
}

/**
 * Flags that only make sense together: the first one given whose partner is missing, as a
 * usage line (`--tls-key is needed with --tls-cert`), or undefined when all is well.
 */
export function missingCompanion(
  given: Record<string, unknown>,
  rules: ReadonlyArray<readonly [needs: string, when: string]>,
): string | undefined {
  for (const [needs, when] of rules) {
    if (isGiven(given[when]) && !isGiven(given[needs])) {
      return `--${flagName(needs)} is needed with --${flagName(when)}`;
    }
  }
  return undefined;
}

function isGiven(value: unknown): boolean {
  return value !== undefined && value !== false;
}
