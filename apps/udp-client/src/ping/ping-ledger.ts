/**
 * The book-keeping of `udp-client --ping`, without sockets or clocks: which pings were sent
 * when, which were answered in time, late or twice, and the summary ping(8) prints. Times are
 * milliseconds from any monotonic clock (the session uses performance.now()).
 */

/** What a reply turned out to be. */
export type ReplyKind = 'reply' | 'late' | 'duplicate';

export interface ReplyOutcome {
  kind: ReplyKind;
  seq: number;
  rttMs: number;
}

export interface RttSummary {
  min: number;
  avg: number;
  max: number;
  /** Standard deviation, as ping(8) computes it: sqrt(mean(rtt²) − mean(rtt)²). */
  mdev: number;
}

export interface PingSummary {
  transmitted: number;
  /** Pings answered within the timeout (late and duplicate replies are not counted). */
  received: number;
  late: number;
  duplicates: number;
  /** 0 to 100. */
  lossPercent: number;
  /** Of the replies counted as received; absent when none was. */
  rtt?: RttSummary;
}

const PING_STATE = {
  WAITING: 'waiting',
  ANSWERED: 'answered',
  TIMED_OUT: 'timed out',
} as const;
type PingState = (typeof PING_STATE)[keyof typeof PING_STATE];

interface PingRecord {
  sentAt: number;
  state: PingState;
}

export class PingLedger {
  readonly #pings = new Map<number, PingRecord>();
  readonly #rtts: number[] = [];
  #late = 0;
  #duplicates = 0;

  /** Ping `seq` went out at `at`. */
  sent(seq: number, at: number): void {
    this.#pings.set(seq, { sentAt: at, state: PING_STATE.WAITING });
  }

  /**
   * A reply to ping `seq` came at `at`: the first one while the ping waits is its reply; one
   * after its timeout is late; any further one is a duplicate. Undefined for a ping never sent.
   */
  replied(seq: number, at: number): ReplyOutcome | undefined {
    const ping = this.#pings.get(seq);
    if (!ping) return undefined;
    const rttMs = at - ping.sentAt;
    switch (ping.state) {
      case PING_STATE.WAITING:
        ping.state = PING_STATE.ANSWERED;
        this.#rtts.push(rttMs);
        return { kind: 'reply', seq, rttMs };
      case PING_STATE.TIMED_OUT:
        // Reported lost already: it stays lost, and a second late copy is a duplicate.
        ping.state = PING_STATE.ANSWERED;
        this.#late += 1;
        return { kind: 'late', seq, rttMs };
      default:
        this.#duplicates += 1;
        return { kind: 'duplicate', seq, rttMs };
    }
  }

  /** Ping `seq`'s wait is over: true if it was still unanswered (it is now lost). */
  timedOut(seq: number): boolean {
    const ping = this.#pings.get(seq);
    if (ping?.state !== PING_STATE.WAITING) return false;
    ping.state = PING_STATE.TIMED_OUT;
    return true;
  }

  /** When ping `seq` went out, if it did. */
  sentAt(seq: number): number | undefined {
    return this.#pings.get(seq)?.sentAt;
  }

  /** The oldest ping still waiting, if any: what a plain reply (no id) is taken to answer. */
  oldestWaiting(): number | undefined {
    for (const [seq, ping] of this.#pings) if (ping.state === PING_STATE.WAITING) return seq;
    return undefined;
  }

  /** How many pings still wait for their reply. */
  get waiting(): number {
    let count = 0;
    for (const ping of this.#pings.values()) if (ping.state === PING_STATE.WAITING) count += 1;
    return count;
  }

  summary(): PingSummary {
    const transmitted = this.#pings.size;
    const received = this.#rtts.length;
    return {
      transmitted,
      received,
      late: this.#late,
      duplicates: this.#duplicates,
      lossPercent: transmitted === 0 ? 0 : ((transmitted - received) * 100) / transmitted,
      ...(received > 0 ? { rtt: rttSummary(this.#rtts) } : {}),
    };
  }
}

export function rttSummary(rtts: readonly number[]): RttSummary {
  const sum = rtts.reduce((total, rtt) => total + rtt, 0);
  const sumOfSquares = rtts.reduce((total, rtt) => total + rtt * rtt, 0);
  const avg = sum / rtts.length;
  // Rounding can make the difference a hair below zero for equal times.
  const mdev = Math.sqrt(Math.max(0, sumOfSquares / rtts.length - avg * avg));
  return { min: Math.min(...rtts), avg, max: Math.max(...rtts), mdev };
}

/** ping(8)'s precision for one round trip: 0.042, 0.42, 4.20, 42.0, 420 ms. */
export function formatRtt(ms: number): string {
  if (ms < 1) return ms.toFixed(3);
  if (ms < 10) return ms.toFixed(2);
  if (ms < 100) return ms.toFixed(1);
  return ms.toFixed(0);
}

/** The line printed for one reply, late or duplicate reply included. */
export function formatReply(outcome: ReplyOutcome, from: string, timeoutMs: number): string {
  const time = `seq=${outcome.seq} time=${formatRtt(outcome.rttMs)} ms`;
  switch (outcome.kind) {
    case 'reply':
      return `Reply from ${from}: ${time}`;
    case 'late':
      return `Late reply from ${from}: ${time} (after the ${timeoutMs} ms timeout: still counted as lost)`;
    case 'duplicate':
      return `Duplicate reply from ${from}: ${time} (DUP!: not counted)`;
  }
}

export function formatTimeout(seq: number): string {
  return `Request timed out: seq=${seq}`;
}

/** `30`, `33.3`: at most one decimal, as a person reads a loss rate. */
function formatPercent(percent: number): string {
  return String(Math.round(percent * 10) / 10);
}

/** ping(8)'s closing lines. */
export function formatSummary(summary: PingSummary, target: string): string[] {
  const counts = [
    `${summary.transmitted} packets transmitted`,
    `${summary.received} received`,
    `${formatPercent(summary.lossPercent)}% packet loss`,
    ...(summary.late > 0 ? [`${summary.late} late`] : []),
    ...(summary.duplicates > 0 ? [`+${summary.duplicates} duplicates`] : []),
  ];
  const lines = [`--- ${target} ping statistics ---`, counts.join(', ')];
  const { rtt } = summary;
  if (rtt) {
    const values = [rtt.min, rtt.avg, rtt.max, rtt.mdev].map((ms) => ms.toFixed(3)).join('/');
    lines.push(`rtt min/avg/max/mdev = ${values} ms`);
  }
  return lines;
}
