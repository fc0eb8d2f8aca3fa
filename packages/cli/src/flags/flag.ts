// zod/mini: tree-shakable, so each app's bundle carries only the checks it uses.
import * as z from 'zod/mini';
import { reusePortUnsupported } from '@netlab/protocol';

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
  /** Variables read after the flag's own NETLAB_ one (e.g. `PORT`); see environment.ts. */
  readonly alsoFrom?: readonly string[];
  /**
   * Whether a well-formed value can be used here: the rest of the sentence "--reuse-port ..."
   * saying why not (a usage error), or undefined.
   */
  usable?(value: T): string | undefined;
}

export type FlagSpec = Record<string, Flag<unknown>>;
export type FlagValues<S extends FlagSpec> = { [K in keyof S]: S[K]['defaultValue'] };

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
  /** `--metrics-port N`: off when absent; 0 lets the OS pick (logged as `Metrics at`). */
  metricsPort(): Flag<number | undefined> {
    const schema = integerText(0, 65535) as z.ZodMiniType<number | undefined, string>;
    return valueFlag<number | undefined>(
      schema,
      undefined,
      'an integer from 0 to 65535',
      'serve /metrics (Prometheus), /healthz and /readyz over HTTP on this port; 0 lets the OS pick',
      'PORT',
    );
  },
  metricsHost(): Flag<string> {
    return flag.host('127.0.0.1', 'address the --metrics-port endpoint binds');
  },
  /** `--log-format json|pretty`: absent, pretty at a terminal and JSON otherwise. */
  logFormat(): Flag<'json' | 'pretty' | undefined> {
    const schema = z.enum(['json', 'pretty']) as unknown as z.ZodMiniType<
      'json' | 'pretty' | undefined,
      string
    >;
    return valueFlag<'json' | 'pretty' | undefined>(
      schema,
      undefined,
      'one of json, pretty',
      'log lines as JSON or as human lines (default: pretty at a terminal, json when piped)',
      'FORMAT',
    );
  },
  /**
   * `--reuse-port`: listen with SO_REUSEPORT. On a Node without it (before 22.12) asking for
   * it is a usage error naming the version needed.
   */
  reusePort(): Flag<boolean> {
    return {
      ...flag.switch(
        'share the port with other processes (SO_REUSEPORT; Node 22.12+): each --workers worker gets a socket of its own',
      ),
      usable: (on) => (on ? reusePortUnsupported(process.versions.node) : undefined),
    };
  },
  /** The same flag, also read from these variables when its NETLAB_ one is not set. */
  alsoFrom<T>(definition: Flag<T>, ...variables: string[]): Flag<T> {
    return { ...definition, alsoFrom: [...(definition.alsoFrom ?? []), ...variables] };
  },
  logLevel(): Flag<LogLevel> {
    return flag.choice(LOG_LEVELS, 'info', `log level: ${LOG_LEVELS.join(', ')}`, 'LEVEL');
  },
  /** `--pcap FILE`: what the app sends and receives, as a capture Wireshark opens; off when absent. */
  pcap(): Flag<string | undefined> {
    return flag.optionalText(
      'write what this app sends and receives to FILE, a pcapng capture (Wireshark, tshark)',
      'a file path',
      'FILE',
    );
  },
  /** `--pcap-max-bytes N`: the capture file stops growing here. */
  pcapMaxBytes(): Flag<number> {
    return flag.integer(
      1024,
      1_000_000_000_000,
      100 * 1024 * 1024,
      'largest --pcap file; packets past it are not written',
      'BYTES',
    );
  },
};
