import { EventEmitter } from 'node:events';
import { STOP_STATE, StopSwitch, type StopRequest } from './stop-switch';

function recordingSwitch(): { stopSwitch: StopSwitch; calls: Array<[string, StopRequest]> } {
  const calls: Array<[string, StopRequest]> = [];
  const stopSwitch = new StopSwitch({
    graceful: (request) => calls.push(['graceful', request]),
    immediate: (request) => calls.push(['immediate', request]),
  });
  return { stopSwitch, calls };
}

describe('StopSwitch', () => {
  it('runs until asked, then drains with the grace of the first request', () => {
    const { stopSwitch, calls } = recordingSwitch();
    expect(stopSwitch.state).toBe(STOP_STATE.running);
    stopSwitch.request({ graceMs: 5000, signal: 'SIGTERM' });
    expect(stopSwitch.state).toBe(STOP_STATE.draining);
    expect(calls).toEqual([['graceful', { graceMs: 5000, signal: 'SIGTERM' }]]);
  });

  it('closes at once on a later request with no grace, once', () => {
    const { stopSwitch, calls } = recordingSwitch();
    stopSwitch.request({ graceMs: 5000 });
    stopSwitch.request({ graceMs: 0, signal: 'SIGINT' });
    stopSwitch.request({ graceMs: 0, signal: 'SIGINT' });
    expect(stopSwitch.state).toBe(STOP_STATE.closingAtOnce);
    expect(calls.map(([kind]) => kind)).toEqual(['graceful', 'immediate']);
  });

  it('takes the same stop asked twice (the primary and a group SIGTERM) as one', () => {
    const { stopSwitch, calls } = recordingSwitch();
    stopSwitch.request({ graceMs: 5000 });
    stopSwitch.request({ graceMs: 5000, signal: 'SIGTERM' });
    expect(stopSwitch.state).toBe(STOP_STATE.draining);
    expect(calls).toHaveLength(1);
  });

  it('tells listeners each change of state', () => {
    const { stopSwitch } = recordingSwitch();
    const states: string[] = [];
    stopSwitch.onChange((state) => states.push(state));
    stopSwitch.request({ graceMs: 10 });
    stopSwitch.request({ graceMs: 0 });
    expect(states).toEqual([STOP_STATE.draining, STOP_STATE.closingAtOnce]);
  });

  // Signals come from an emitter standing in for `process`: a signal emitted on the real
  // process inside Jest's sandbox reached no listener on Node 24 in one full run (CI), and
  // the apps' end-to-end tests send real signals to real processes anyway.
  it('turns the first signal into a graceful request and the second into one at once', () => {
    const { stopSwitch, calls } = recordingSwitch();
    const signals = new EventEmitter();
    const remove = stopSwitch.listen(['SIGINT', 'SIGTERM'], 2500, [], signals);
    try {
      signals.emit('SIGTERM', 'SIGTERM');
      signals.emit('SIGINT', 'SIGINT');
    } finally {
      remove();
    }
    expect(calls).toEqual([
      ['graceful', { graceMs: 2500, signal: 'SIGTERM' }],
      ['immediate', { graceMs: 0, signal: 'SIGINT' }],
    ]);
  });

  it('removes its handlers, on process by default', () => {
    const before = process.listenerCount('SIGTERM');
    const { stopSwitch } = recordingSwitch();
    const remove = stopSwitch.listen(['SIGTERM'], 1, ['SIGINT']);
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    remove();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
