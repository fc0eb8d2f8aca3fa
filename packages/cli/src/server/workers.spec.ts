import { availableParallelism } from 'node:os';
import { resolveWorkerCount, workerField } from './worker-count';
import { isWorkerMessage, WORKER_MESSAGE } from './worker-messages';

describe('resolveWorkerCount', () => {
  it('takes a number as it is', () => {
    expect(resolveWorkerCount(3)).toBe(3);
  });

  it('reads auto as one worker per core the process may use', () => {
    expect(resolveWorkerCount('auto')).toBe(availableParallelism());
  });
});

describe('workerField (in a process that is not a cluster worker)', () => {
  it('is undefined for a single server process: its lines carry no worker field', () => {
    expect(workerField(1)).toBeUndefined();
  });

  it('is 0 for the primary of two or more workers', () => {
    expect(workerField(2)).toBe(0);
  });
});

describe('isWorkerMessage', () => {
  it.each([
    { type: WORKER_MESSAGE.listening },
    {
      type: WORKER_MESSAGE.failed,
      message: 'could not listen on 0.0.0.0:1060: address already in use',
    },
    { type: WORKER_MESSAGE.shutdown, graceMs: 0 },
    { type: WORKER_MESSAGE.shutdown, graceMs: 5000 },
  ])('accepts %j', (message) => {
    expect(isWorkerMessage(message)).toBe(true);
  });

  it.each([
    null,
    'netlab:listening',
    {},
    { type: 'netlab:unknown' },
    { type: WORKER_MESSAGE.failed },
    { type: WORKER_MESSAGE.shutdown },
    { type: WORKER_MESSAGE.shutdown, graceMs: -1 },
    { type: WORKER_MESSAGE.shutdown, graceMs: '5000' },
    // node:cluster's own messages share the channel
    { cmd: 'NODE_CLUSTER', act: 'online' },
  ])('rejects %j', (message) => {
    expect(isWorkerMessage(message)).toBe(false);
  });
});
