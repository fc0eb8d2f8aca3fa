/**
 * The LineDecoder's rules written as plainly as possible, over the whole input at once:
 * what any chunking of the same bytes must give. `failed` when a line, or the unfinished
 * tail, breaks maxLineBytes (one byte over is allowed for a tail ending in the '\r' of a
 * '\r\n' still to come); `tail` is the unfinished last line's bytes.
 */
export function referenceLines(
  bytes: Buffer,
  maxLineBytes: number,
): { lines: string[]; failed: boolean; tail: Buffer } {
  const lines: string[] = [];
  let start = 0;
  for (let lf = bytes.indexOf(10); lf !== -1; lf = bytes.indexOf(10, start)) {
    let line = bytes.subarray(start, lf);
    if (line.at(-1) === 13) line = line.subarray(0, -1);
    if (line.length > maxLineBytes) return { lines, failed: true, tail: Buffer.alloc(0) };
    lines.push(line.toString('utf8'));
    start = lf + 1;
  }
  const tail = bytes.subarray(start);
  const tooLong =
    tail.length > maxLineBytes + 1 || (tail.length === maxLineBytes + 1 && tail.at(-1) !== 13);
  return { lines, failed: tooLong, tail };
}
