// The bulk path (LineDecoder.wholeText, Session.answerText) must answer exactly as the
// line-by-line path (push, handle, encodeLines) does, or decline and change nothing.
import fc from 'fast-check';
import { LineDecoder } from './line-decoder';
import { encodeLines } from './line-encoder';
import { createSession, type ServiceName, type Session } from './session';

const SERVICES: ServiceName[] = ['task', 'uppercase'];

/** Printable ASCII lines, some of them commands in any case and with spaces around. */
const asciiLine = fc.oneof(
  {
    weight: 19,
    arbitrary: fc.string({
      unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('exit', ' EXIT ', 'History', 'hIsToRy\t', 'exits', '') },
);

function lineByLine(session: Session, chunk: Buffer): string {
  const decoder = new LineDecoder();
  const replies: string[] = [];
  for (const line of decoder.push(chunk)) {
    const { reply, close } = session.handle(line);
    replies.push(reply);
    if (close) break;
  }
  return encodeLines(replies).toString('latin1');
}

describe('LineDecoder.wholeText', () => {
  it('gives a chunk of whole plain-ASCII lines as its own text', () => {
    expect(new LineDecoder().wholeText(Buffer.from('Hi\n\nTesting Connection\n'))).toBe(
      'Hi\n\nTesting Connection\n',
    );
  });

  it.each([
    ['an unfinished last line', 'Hi\nthere'],
    ["a '\\r'", 'Hi\r\n'],
    ['a byte that is not ASCII', 'straße\n'],
    ['nothing at all', ''],
  ])('declines %s', (_, text) => {
    expect(new LineDecoder().wholeText(Buffer.from(text))).toBeUndefined();
  });

  it('declines while it holds part of a line, and after it failed', () => {
    const holding = new LineDecoder();
    holding.push(Buffer.from('half a li'));
    expect(holding.wholeText(Buffer.from('ne\n'))).toBeUndefined();
    const failed = new LineDecoder({ maxLineBytes: 4 });
    expect(() => failed.push(Buffer.from('too long\n'))).toThrow();
    expect(failed.wholeText(Buffer.from('ok\n'))).toBeUndefined();
  });

  it('declines a chunk with a line over maxLineBytes, and takes lines at the limit', () => {
    const decoder = new LineDecoder({ maxLineBytes: 4 });
    expect(decoder.wholeText(Buffer.from('abcd\nabcd\n'))).toBe('abcd\nabcd\n');
    expect(decoder.wholeText(Buffer.from('abc\nabcde\n'))).toBeUndefined();
  });
});

describe('Session.answerText', () => {
  it.each(SERVICES)(
    '%s: answers as handle would, line by line, or declines and changes nothing',
    (service) => {
      let bulkAnswers = 0;
      fc.assert(
        fc.property(fc.array(asciiLine, { maxLength: 30 }), (lines) => {
          const chunk = Buffer.from(lines.map((line) => `${line}\n`).join(''), 'latin1');
          const bulk = createSession(service);
          const reference = createSession(service);
          const text = new LineDecoder().wholeText(chunk);
          if (text === undefined) return; // nothing to answer in bulk (no lines at all)
          const answered = bulk.answerText!(text, Infinity);
          if (answered !== undefined) {
            expect(answered).toBe(lineByLine(reference, chunk));
            bulkAnswers++;
          }
          // Either way both sessions are in the same state: History says the same.
          expect(bulk.handle('History')).toEqual(reference.handle('History'));
        }),
      );
      expect(bulkAnswers).toBeGreaterThan(10); // the property did reach the bulk answers
    },
  );

  it('task: remembers the lines it answered in bulk for History', () => {
    const session = createSession('task');
    expect(session.answerText!('Hi\nTesting Connection\n', Infinity)).toBe(
      'Your data was 2 bytes\nYour data was 18 bytes\n',
    );
    expect(session.handle('History').reply).toBe('History: ["Hi","Testing Connection"]');
  });

  it.each(SERVICES)('%s: declines lines that may be commands', (service) => {
    const session = createSession(service);
    expect(session.answerText!('hello\n EXIT \n', Infinity)).toBeUndefined();
    if (service === 'task') expect(session.answerText!('History\n', Infinity)).toBeUndefined();
  });

  it.each(SERVICES)('%s: declines replies over maxReplyBytes', (service) => {
    const session = createSession(service);
    expect(session.answerText!('abcdefghij\n', 5)).toBeUndefined();
    expect(session.answerText!('abcdefghij\n', 100)).toBeDefined();
  });
});
