import fc from 'fast-check';
import { formatHistory, parseHistory } from './history';
import { LineDecoder } from './line-decoder';
import { encodeLines } from './line-encoder';

describe('formatHistory', () => {
  it('lists the messages as a JSON array after "History: "', () => {
    expect(formatHistory(['Hi', 'Testing Connection'])).toBe(
      'History: ["Hi","Testing Connection"]',
    );
  });

  it('answers "History: []" when there is nothing yet', () => {
    expect(formatHistory([])).toBe('History: []');
  });

  it('escapes quotes, commas and brackets so messages never run together', () => {
    expect(formatHistory(['a", "b', '[x]'])).toBe('History: ["a\\", \\"b","[x]"]');
  });

  it('keeps the reply on one line whatever the messages hold', () => {
    expect(formatHistory(['line\nbreak', 'cr\r'])).not.toMatch(/[\r\n]/);
  });
});

describe('parseHistory', () => {
  it('turns a History reply back into the messages', () => {
    expect(parseHistory('History: ["Hi","héllo"]')).toEqual(['Hi', 'héllo']);
  });

  it.each([
    'Your data was 2 bytes',
    'History:',
    'History: [',
    'History: {"a":1}',
    'History: [1,2]',
    'history: []',
  ])('returns undefined for %p, which is not a History reply', (reply) => {
    expect(parseHistory(reply)).toBeUndefined();
  });

  const text = fc.oneof(
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme' }),
    fc.string({
      unit: fc.constantFrom('"', "'", ',', '\\', '[', ']', ' ', '\n', '\r', 'History: ', 'é', '😀'),
    }),
  );

  it('reads back any messages, including quotes, separators and non-ASCII', () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 10 }), (messages) => {
        expect(parseHistory(formatHistory(messages))).toEqual(messages);
      }),
      { numRuns: 500 },
    );
  });

  it('reads back any messages after the reply crossed the wire as a line', () => {
    fc.assert(
      fc.property(fc.array(text, { maxLength: 10 }), (messages) => {
        const [line, ...rest] = new LineDecoder().push(encodeLines([formatHistory(messages)]));
        expect(rest).toEqual([]);
        expect(parseHistory(line)).toEqual(messages);
      }),
      { numRuns: 300 },
    );
  });
});
