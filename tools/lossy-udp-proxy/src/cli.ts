import { parseArgs } from 'node:util';
import { startLossyProxy } from './lossy-proxy';

// Usage (from the workspace root; `nx bundle lossy-udp-proxy` writes dist/tools/lossy-udp-proxy/main.js):
//   npx nx serve lossy-udp-proxy -- --listen 0 --target 127.0.0.1:12000 --drop 0.3 --duplicate 0.1 --reorder 0.1 --delay 0-20 --seed 42

function fail(message: string): never {
  process.stderr.write(`lossy-udp-proxy: ${message}\n`);
  process.exit(2);
}

function endpoint(text: string, flag: string): { host: string; port: number } {
  const match = /^(?:\[?([^\]]*)\]?:)?(\d+)$/.exec(text);
  const port = Number(match?.[2]);
  if (!match || port > 65535) fail(`--${flag} must be [HOST:]PORT (got ${JSON.stringify(text)})`);
  return { host: match[1] || '127.0.0.1', port };
}

function rate(text: string | undefined, flag: string): number {
  const value = Number(text ?? '0');
  if (!(value >= 0 && value <= 1))
    fail(`--${flag} must be a probability from 0 to 1 (got ${JSON.stringify(text)})`);
  return value;
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      strict: true,
      options: {
        listen: { type: 'string', default: '0' },
        target: { type: 'string', default: '127.0.0.1:12000' },
        drop: { type: 'string' },
        duplicate: { type: 'string' },
        reorder: { type: 'string' },
        delay: { type: 'string', default: '0-0' },
        seed: { type: 'string', default: '1' },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  const delayMatch = /^(\d+)(?:-(\d+))?$/.exec(values.delay);
  if (!delayMatch)
    fail(`--delay must be MS or MIN-MAX in ms (got ${JSON.stringify(values.delay)})`);
  const min = Number(delayMatch[1]);
  const max = Number(delayMatch[2] ?? delayMatch[1]);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed))
    fail(`--seed must be an integer (got ${JSON.stringify(values.seed)})`);

  const proxy = await startLossyProxy({
    listen: endpoint(values.listen, 'listen'),
    target: endpoint(values.target, 'target'),
    drop: rate(values.drop, 'drop'),
    duplicate: rate(values.duplicate, 'duplicate'),
    reorder: rate(values.reorder, 'reorder'),
    delay: { min: Math.min(min, max), max: Math.max(min, max) },
    seed,
  });
  process.stdout.write(
    `${JSON.stringify({ msg: 'Listening at', transport: 'udp', address: proxy.address, port: proxy.port })}\n`,
  );
  const stop = (): void => {
    void proxy.close().then(() => {
      process.stdout.write(`${JSON.stringify({ msg: 'Proxy closed', ...proxy.stats })}\n`);
      process.exit(0);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

void main();
