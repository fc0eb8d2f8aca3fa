import { readFileSync } from 'node:fs';

export const MIB = 1024 * 1024;

/**
 * A process's resident set size in bytes: the `VmRSS` line of /proc/<pid>/status (Linux),
 * what `ps` and `top` show. It counts what the process really holds in memory (V8 heap,
 * Buffers, native allocations), not what it reserved; kernel socket buffers are not in it.
 */
export function readRss(pid: number): number {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the memory of process ${pid}: /proc/${pid}/status`, {
      cause: error,
    });
  }
  return parseVmRss(status);
}

/** The VmRSS of a /proc/<pid>/status text, in bytes. */
export function parseVmRss(status: string): number {
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error('no "VmRSS: N kB" line in the process status');
  return Number(match[1]) * 1024;
}

/** What an RssSampler saw, in bytes. */
export interface RssSummary {
  /** The largest sample. */
  peak: number;
  /** The last sample. */
  final: number;
  /** Every sample, oldest first. */
  samples: number[];
}

/**
 * Samples a process's RSS at a fixed interval (and whenever `sample()` is called), keeping
 * the peak: a bound checked only at the end would miss a spike in between. Stops by itself
 * once the process is gone.
 */
export class RssSampler {
  readonly pid: number;
  readonly #samples: number[] = [];
  #peak = 0;
  readonly #timer: NodeJS.Timeout;

  constructor(pid: number, intervalMs = 1000) {
    this.pid = pid;
    this.sample();
    this.#timer = setInterval(() => {
      try {
        this.sample();
      } catch {
        clearInterval(this.#timer); // the process has exited
      }
    }, intervalMs);
    this.#timer.unref();
  }

  /** Takes a sample now and returns it. */
  sample(): number {
    const rss = readRss(this.pid);
    this.#samples.push(rss);
    this.#peak = Math.max(this.#peak, rss);
    return rss;
  }

  get peak(): number {
    return this.#peak;
  }

  /** Stops sampling (after one last sample, if the process still runs). */
  stop(): RssSummary {
    clearInterval(this.#timer);
    try {
      this.sample();
    } catch {
      // The process has exited: its last sample stands.
    }
    return { peak: this.peak, final: this.#samples.at(-1)!, samples: [...this.#samples] };
  }
}
