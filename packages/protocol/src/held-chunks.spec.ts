import fc from 'fast-check';
import { HeldChunks } from './held-chunks';

describe('HeldChunks', () => {
  afterEach(() => jest.restoreAllMocks());

  it('holds chunks as views until there are more than maxChunks', () => {
    const held = new HeldChunks(2);
    const first = Buffer.from('ab');
    held.push(first);
    held.push(Buffer.from('cd'));
    expect(held.views()[0]).toBe(first);
    held.push(Buffer.from('ef'));
    expect(held.count).toBe(1);
    expect(held.bytes).toBe(6);
    expect(held.drain().toString()).toBe('abcdef');
    expect(held.bytes).toBe(0);
  });

  it('ignores empty chunks', () => {
    const held = new HeldChunks(1);
    held.push(Buffer.alloc(0));
    expect(held.count).toBe(0);
  });

  it('copies a million one-byte chunks with a handful of allocations, not one per coalesce', () => {
    const allocations = jest.spyOn(Buffer, 'allocUnsafe');
    const held = new HeldChunks(64);
    const byte = Buffer.from('x');
    for (let i = 0; i < 1_000_000; i++) held.push(byte);
    expect(held.bytes).toBe(1_000_000);
    expect(held.count).toBeLessThanOrEqual(64);
    // Doubling from 1 KiB to 1 MB takes about ten; re-joining at every coalesce, 15,625.
    expect(allocations.mock.calls.length).toBeLessThan(20);
  });

  it('takes bytes from the front in order, across chunks and coalesced ones alike', () => {
    const step = fc.oneof(
      fc.uint8Array({ maxLength: 8 }).map((bytes) => ({ push: bytes })),
      fc.nat({ max: 12 }).map((n) => ({ take: n })),
    );
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 40 }),
        fc.integer({ min: 1, max: 4 }),
        (steps, max) => {
          const held = new HeldChunks(max);
          const model: number[] = [];
          for (const s of steps) {
            if ('push' in s) {
              held.push(Buffer.from(s.push));
              model.push(...s.push);
            } else {
              const n = Math.min(s.take, model.length);
              expect([...held.take(n)]).toEqual(model.splice(0, n));
            }
            expect(held.bytes).toBe(model.length);
            expect(held.count).toBeLessThanOrEqual(max);
          }
          expect([...held.drain()]).toEqual(model);
        },
      ),
      { numRuns: 500 },
    );
  });
});
