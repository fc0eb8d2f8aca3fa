import fc from 'fast-check';
import { describeHistory } from './history-display';

/** Reads a display back: what a person can tell from the screen, and nothing else. */
function readBack(lines: string[]): string[] {
  return lines.slice(1).map((line) => {
    const text = line.replace(/^ *\d+\. /, '');
    return text.startsWith('"') ? (JSON.parse(text) as string) : text;
  });
}

describe('describeHistory', () => {
  it('shows the count, then one numbered message a line, as the README does', () => {
    expect(describeHistory(['Hi', 'Testing Connection'])).toEqual([
      'History (2 messages)',
      '  1. Hi',
      '  2. Testing Connection',
    ]);
  });

  it('says so when there are no messages yet', () => {
    expect(describeHistory([])).toEqual(['History (no messages)']);
  });

  it('says "1 message", not "1 messages"', () => {
    expect(describeHistory(['héllo'])).toEqual(['History (1 message)', '  1. héllo']);
  });

  it('lines the numbers up past nine messages', () => {
    const lines = describeHistory(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(lines[1]).toBe('   1. m0');
    expect(lines[10]).toBe('  10. m9');
  });

  it('shows quotes, commas and brackets inside a message as they are', () => {
    expect(describeHistory(['a, b', '[x]', 'say "hi"'])).toEqual([
      'History (3 messages)',
      '  1. a, b',
      '  2. [x]',
      '  3. say "hi"',
    ]);
  });

  it.each([
    ['', '""'],
    ['  padded ', '"  padded "'],
    ['line\nbreak', '"line\\nbreak"'],
    ['tab\there', '"tab\\there"'],
    ['"quoted"', '"\\"quoted\\""'],
    ['bell\u0007', '"bell\\u0007"'],
    ['\u001b[2Jclear', '"\\u001b[2Jclear"'],
    ['c1\u0085', '"c1\\u0085"'],
    ['rtl\u202eevil', '"rtl\\u202eevil"'],
  ])('quotes and escapes %j, which would not show plainly, as %s', (message, shown) => {
    expect(describeHistory([message])[1]).toBe(`  1. ${shown}`);
  });

  it('keeps each message on its own line, whatever it holds', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 12 }), (messages) => {
        const lines = describeHistory(messages);
        expect(lines).toHaveLength(messages.length + 1);
        for (const line of lines) expect(line).not.toMatch(/[\n\r\u2028\u2029]/);
      }),
      { numRuns: 300 },
    );
  });

  it('can be read back to exactly the messages, so no two histories look the same', () => {
    const text = fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.string({ unit: fc.constantFrom('"', ' ', '\\', '\n', '1. ', 'é', '\u202e', '\u0000') }),
    );
    fc.assert(
      fc.property(fc.array(text, { maxLength: 8 }), (messages) => {
        expect(readBack(describeHistory(messages))).toEqual(messages);
      }),
      { numRuns: 500 },
    );
  });
});
