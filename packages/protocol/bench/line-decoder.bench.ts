/**
 * LineDecoder against the naive loop most socket servers start with:
 *   let tail = ''; on chunk: parts = (tail + chunk.toString()).split('\n'); tail = parts.pop();
 * on the same bytes, cut into the same chunks. The naive loop enforces no limit and
 * drops no '\r'; the decoder does both and should still be at least as fast.
 *
 * Run with `CI=true npx nx bench protocol`. Prints a table, then one JSON line.
 */
import { LineDecoder } from '../src/line-decoder';

const LINE_BYTES = 32;
const TOTAL_BYTES = 32 * 1024 * 1024;
const ROUNDS = 7;

interface Case {
  name: string;
  chunkBytes: number;
}

const cases: Case[] = [
  { name: '32-byte lines, 64 KiB chunks', chunkBytes: 65_536 },
  { name: '32-byte lines, 1,460-byte chunks', chunkBytes: 1_460 },
];

/** Lines of LINE_BYTES bytes including '\n', cycling through printable ASCII. */
function makeInput(): Buffer {
  const line = Buffer.alloc(LINE_BYTES);
  const input = Buffer.alloc(TOTAL_BYTES);
  for (let offset = 0, n = 0; offset < TOTAL_BYTES; offset += LINE_BYTES, n++) {
    for (let i = 0; i < LINE_BYTES - 1; i++) line[i] = 0x21 + ((n + i) % 94);
    line[LINE_BYTES - 1] = 0x0a;
    line.copy(input, offset);
  }
  return input;
}

function cut(input: Buffer, chunkBytes: number): Buffer[] {
  const chunks: Buffer[] = [];
  // Copies, so each chunk is its own allocation as a socket read would be.
  for (let i = 0; i < input.length; i += chunkBytes)
    chunks.push(Buffer.from(input.subarray(i, i + chunkBytes)));
  return chunks;
}

type Run = (chunks: readonly Buffer[]) => number;

/** Counts lines and characters, so neither loop can be optimised away. */
const naive: Run = (chunks) => {
  let tail = '';
  let seen = 0;
  for (const chunk of chunks) {
    const parts = (tail + chunk.toString()).split('\n');
    tail = parts.pop() ?? '';
    for (const part of parts) seen += part.length + 1;
  }
  return seen;
};

const decoder: Run = (chunks) => {
  const lines = new LineDecoder();
  let seen = 0;
  for (const chunk of chunks) {
    for (const line of lines.push(chunk)) seen += line.length + 1;
  }
  return seen;
};

/** Median seconds over ROUNDS runs, after one warm-up run. */
function time(run: Run, chunks: readonly Buffer[], expected: number): number {
  if (run(chunks) !== expected) throw new Error('loops disagree');
  const seconds: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = process.hrtime.bigint();
    const seen = run(chunks);
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
    if (seen !== expected) throw new Error('loops disagree');
  }
  seconds.sort((a, b) => a - b);
  return seconds[Math.floor(ROUNDS / 2)];
}

const input = makeInput();
const lineCount = TOTAL_BYTES / LINE_BYTES;
const results = cases.map(({ name, chunkBytes }) => {
  const chunks = cut(input, chunkBytes);
  const naiveSeconds = time(naive, chunks, TOTAL_BYTES);
  const decoderSeconds = time(decoder, chunks, TOTAL_BYTES);
  const rate = (seconds: number) => ({
    mbPerSecond: Math.round(TOTAL_BYTES / 1e6 / seconds),
    linesPerSecond: Math.round(lineCount / seconds),
  });
  return {
    case: name,
    chunkBytes,
    decoder: rate(decoderSeconds),
    naive: rate(naiveSeconds),
    ratio: Math.round((naiveSeconds / decoderSeconds) * 100) / 100,
  };
});

const rows = results.map((r) => ({
  case: r.case,
  'decoder MB/s': r.decoder.mbPerSecond,
  'decoder lines/s': r.decoder.linesPerSecond.toLocaleString('en'),
  'naive MB/s': r.naive.mbPerSecond,
  'naive lines/s': r.naive.linesPerSecond.toLocaleString('en'),
  'ratio (decoder/naive)': r.ratio,
}));
console.log(
  `LineDecoder vs naive split('\\n'), ${TOTAL_BYTES / 1024 / 1024} MiB, median of ${ROUNDS}, node ${process.version}`,
);
console.table(rows);
console.log(JSON.stringify({ benchmark: 'line-decoder', results }));
