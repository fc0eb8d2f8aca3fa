import { createRequestMaker, replyRuleFor } from './request-content';

describe('createRequestMaker', () => {
  it('builds requests of exactly the asked length, ASCII, lowercase after the prefix', () => {
    const makeRequest = createRequestMaker(31);
    const request = makeRequest('c7', 12345);
    expect(request).toHaveLength(31);
    expect(request).toMatch(/^c7-9ix:[a-z]+$/);
  });

  it('gives every sequence number a different request, and so a different reply', () => {
    const makeRequest = createRequestMaker(31);
    const replies = new Set(
      Array.from({ length: 10_000 }, (_, sequence) => makeRequest('c0', sequence).toUpperCase()),
    );
    expect(replies.size).toBe(10_000);
  });

  it('builds 4 KiB lines', () => {
    expect(createRequestMaker(4095)('c1', 1)).toHaveLength(4095);
  });

  it('refuses lengths too short for tag and sequence', () => {
    expect(() => createRequestMaker(8)).toThrow(RangeError);
  });
});

describe('replyRuleFor', () => {
  it('uppercase: the request uppercased', () => {
    expect(replyRuleFor('uppercase')('c1-a:bcd')).toBe('C1-A:BCD');
  });

  it('task: "Your data was N bytes", N in UTF-8 bytes', () => {
    const reply = replyRuleFor('task');
    expect(reply('Testing Connection')).toBe('Your data was 18 bytes');
    expect(reply('héllo')).toBe('Your data was 6 bytes');
  });
});
