import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { GatheredDestination } from './gathered-destination';

let dir: string;
let fd: number;
let file: string;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gathered-destination-'));
  file = path.join(dir, 'log');
  fd = fs.openSync(file, 'w');
});

afterEach(() => {
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
});

function destination(options: { gatherChars: number; maxPendingChars?: number }) {
  return new GatheredDestination({
    fd,
    gatherChars: options.gatherChars,
    periodMs: 50,
    maxPendingChars: options.maxPendingChars ?? 1024 * 1024,
  });
}

const flushed = (target: GatheredDestination) =>
  new Promise<void>((resolve) => target.flush(resolve));

const line = (n: number) => `{"n":${n},"text":"héllo"}\n`;

describe('GatheredDestination', () => {
  it('writes every line, in order, gathered into writes of many lines', async () => {
    const target = destination({ gatherChars: 256 });
    const lines = Array.from({ length: 5000 }, (_, n) => line(n));
    for (const text of lines) expect(target.write(text)).toBe(true);
    await flushed(target);
    expect(fs.readFileSync(file, 'utf8')).toBe(lines.join(''));
  });

  it('writes lines that never fill a gathering on the next flush', async () => {
    const target = destination({ gatherChars: 1024 * 1024 });
    target.write(line(1));
    target.write(line(2));
    await flushed(target);
    expect(fs.readFileSync(file, 'utf8')).toBe(line(1) + line(2));
  });

  it('writes what is gathered synchronously on flushSync (exit, crash)', () => {
    const target = destination({ gatherChars: 1024 * 1024 });
    target.write(line(1));
    target.write(line(2));
    target.flushSync();
    expect(fs.readFileSync(file, 'utf8')).toBe(line(1) + line(2));
  });

  it('drops lines past its bound, one drop event each, and keeps the ones it took in order', async () => {
    const target = destination({ gatherChars: 64, maxPendingChars: 10 * line(0).length });
    const dropped: string[] = [];
    target.on('drop', (text: string) => dropped.push(text));
    // In one burst no write can complete, so the bound counts every line taken.
    const results = Array.from({ length: 15 }, (_, n) => target.write(line(n)));
    expect(results).toEqual([...Array(10).fill(true), ...Array(5).fill(false)]);
    expect(dropped).toEqual([10, 11, 12, 13, 14].map(line));
    await flushed(target);
    expect(fs.readFileSync(file, 'utf8')).toBe(
      Array.from({ length: 10 }, (_, n) => line(n)).join(''),
    );
    // Room again once written.
    expect(target.write(line(99))).toBe(true);
  });

  it('calls flush back at once when nothing is waiting', async () => {
    await flushed(destination({ gatherChars: 64 }));
  });
});
