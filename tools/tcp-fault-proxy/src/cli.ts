import { parseArgs } from 'node:util';
import { createFaultProxy, type ProxyTarget, type StreamFaults } from './fault-proxy';

const USAGE = `Usage: tcp-fault-proxy --target HOST:PORT|PATH [--listen HOST:PORT]
  [--split N] [--join MS] [--delay MS] [--reset-after BYTES] [--direction up|down|both]

  --listen       where to listen (default 127.0.0.1:0, the OS picks the port)
  --target       the server to forward to: HOST:PORT, or a Unix socket path
  --split N      cut every write into pieces of N bytes (1: a byte at a time)
  --join MS      coalesce whatever arrives within MS ms into one write
  --delay MS     hold each chunk for MS ms
  --reset-after  reset the client's connection after BYTES bytes from the server
  --direction    which way split/join/delay apply (default both)`;

function fail(message: string): never {
  process.stderr.write(`tcp-fault-proxy: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function count(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    fail(`--${flag} must be an integer >= ${min} (got "${value}")`);
  return n;
}

function hostPort(flag: string, value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  const port = Number(value.slice(at + 1));
  if (at < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    fail(`--${flag} must be HOST:PORT (got "${value}")`);
  return { host: value.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port };
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      listen: { type: 'string', default: '127.0.0.1:0' },
      target: { type: 'string' },
      split: { type: 'string' },
      join: { type: 'string' },
      delay: { type: 'string' },
      'reset-after': { type: 'string' },
      direction: { type: 'string', default: 'both' },
      help: { type: 'boolean' },
    },
    strict: true,
  }).values;
} catch (error) {
  fail((error as Error).message);
}
if (parsed.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (!parsed.target) fail('--target is required');
const target: ProxyTarget = /^\d+$|:\d+$/.test(parsed.target)
  ? hostPort('target', parsed.target.includes(':') ? parsed.target : `127.0.0.1:${parsed.target}`)
  : { path: parsed.target };
const faults: StreamFaults = {
  splitBytes: count('split', parsed.split, 1),
  joinMs: count('join', parsed.join, 1),
  delayMs: count('delay', parsed.delay, 1),
};
const direction = parsed.direction;
if (!['up', 'down', 'both'].includes(direction))
  fail(`--direction must be up, down or both (got "${direction}")`);
const listen = hostPort('listen', parsed.listen);

const proxy = createFaultProxy({
  target,
  upstream: direction === 'down' ? {} : faults,
  downstream: direction === 'up' ? {} : faults,
  resetAfterBytes: count('reset-after', parsed['reset-after'], 0),
});
proxy.listen(listen).then(
  ({ address, port }) => process.stdout.write(`tcp-fault-proxy: listening at ${address}:${port}\n`),
  (error: Error) => {
    process.stderr.write(
      `tcp-fault-proxy: could not listen on ${parsed.listen}: ${error.message}\n`,
    );
    process.exit(1);
  },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => void proxy.close().then(() => process.exit(0)));
}
