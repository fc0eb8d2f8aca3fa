import { performance } from 'node:perf_hooks';
import { readProcessTreeCpuSeconds } from './proc-stats';
import type { CpuShare } from './job-types';

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `isDone()` holds, polled every few milliseconds, or after `timeoutMs`. */
export async function waitUntil(isDone: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  while (!isDone()) {
    if (performance.now() >= deadline) return false;
    await sleep(5);
  }
  return true;
}

/**
 * The wall time and CPU time of one measurement window, for this process (the generator)
 * and for the server. The CPU share is how the generator shows it is not the bottleneck.
 */
export class WindowClock {
  private readonly startedAt = performance.now();
  private readonly cpuAtStart = process.cpuUsage();
  private readonly serverCpuAtStart: number | undefined;

  constructor(private readonly serverPid: number) {
    this.serverCpuAtStart = readProcessTreeCpuSeconds(serverPid);
  }

  stop(): { seconds: number } & CpuShare {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const cpu = process.cpuUsage(this.cpuAtStart);
    const serverCpuAtEnd = readProcessTreeCpuSeconds(this.serverPid);
    const serverCpu =
      this.serverCpuAtStart === undefined || serverCpuAtEnd === undefined
        ? undefined
        : (serverCpuAtEnd - this.serverCpuAtStart) / seconds;
    return { seconds, generatorCpu: (cpu.user + cpu.system) / 1e6 / seconds, serverCpu };
  }
}
