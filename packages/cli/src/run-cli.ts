import type { Environment } from './flags/environment';
import type { FlagSpec, FlagValues } from './flags/flag';
import { parseFlags } from './flags/parse-flags';
import { formatUsage } from './flags/usage';

export interface CliApp<S extends FlagSpec> {
  readonly name: string;
  readonly version: string;
  /** One paragraph for --help. */
  readonly summary: string;
  readonly flags: S;
  /** Printed after the flags in --help (exit codes, examples). */
  readonly footer?: string;
  /**
   * Flags that are each well-formed but cannot go together: the one-line usage error, or
   * undefined. Runs before anything is bound or sent.
   */
  check?(options: FlagValues<S>): string | undefined;
  /** Runs the app; resolves with the exit code (0 when omitted). */
  run(options: FlagValues<S>): Promise<number | void>;
}

/**
 * The life of every netlab app, per docs/contract.md: --help and --version print and exit 0; a bad
 * flag prints one line naming it and exits 2 before anything is bound or sent; otherwise the
 * app runs, and an unexpected failure is one line on stderr and exit 1, never a stack trace.
 */
export function runCli<S extends FlagSpec>(
  app: CliApp<S>,
  argv = process.argv.slice(2),
  environment: Environment = process.env,
): void {
  const parsed = parseFlags(app.flags, argv, environment);
  switch (parsed.kind) {
    case 'help':
      process.stdout.write(formatUsage(app.name, app.summary, app.flags, app.footer));
      return;
    case 'version':
      process.stdout.write(`${app.version}\n`);
      return;
    case 'error':
      process.stderr.write(`${app.name}: ${parsed.message}\n`);
      process.exitCode = 2;
      return;
    case 'run': {
      const conflict = app.check?.(parsed.options);
      if (conflict) {
        process.stderr.write(`${app.name}: ${conflict}\n`);
        process.exitCode = 2;
        return;
      }
      app.run(parsed.options).then(
        (code) => {
          process.exitCode = code ?? 0;
        },
        (error: unknown) => {
          process.stderr.write(`${app.name}: unexpected failure: ${describeError(error)}\n`);
          process.exitCode = 1;
        },
      );
    }
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
