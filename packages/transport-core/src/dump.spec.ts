import { describeBytes } from './dump';

describe('describeBytes', () => {
  it('shows printable ASCII as text and everything as hex: "Hi\\n"', () => {
    expect(describeBytes(Buffer.from('Hi\n'))).toEqual({
      length: 3,
      text: 'Hi.',
      hex: '48 69 0a',
      truncated: false,
    });
  });

  it('shows non-ASCII and control bytes as "." in the text', () => {
    expect(describeBytes(Buffer.from('é\t~ \x7f'))).toMatchObject({
      text: '...~ .',
      hex: 'c3 a9 09 7e 20 7f',
    });
  });

  it('shows at most 256 bytes by default, with the full length', () => {
    const description = describeBytes(Buffer.alloc(1000, 0x41));
    expect(description.length).toBe(1000);
    expect(description.text).toHaveLength(256);
    expect(description.hex.split(' ')).toHaveLength(256);
    expect(description.truncated).toBe(true);
  });

  it('takes another limit', () => {
    expect(describeBytes(Buffer.from('Hello'), 2)).toEqual({
      length: 5,
      text: 'He',
      hex: '48 65',
      truncated: true,
    });
  });

  it('describes no bytes as empty', () => {
    expect(describeBytes(new Uint8Array(0))).toEqual({
      length: 0,
      text: '',
      hex: '',
      truncated: false,
    });
  });
});
