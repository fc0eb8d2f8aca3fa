import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readCpuSeconds, readProcessTreeCpuSeconds } from './proc-stats';

describe('readProcessTreeCpuSeconds', () => {
  it("counts the CPU time of a process's children (a --workers server's workers) with its own", async () => {
    // A child that burns 0.3 s of CPU, says so, and then waits to be killed. It counts its own
    // CPU time, not the clock's: on a loaded machine 300 ms of wall time may be far less CPU.
    const child = spawn(
      process.execPath,
      [
        '-e',
        'while (process.cpuUsage().user < 300_000); console.log("done"); setInterval(() => {}, 1000)',
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    try {
      await once(child.stdout, 'data');
      const own = readCpuSeconds(process.pid)!;
      const tree = readProcessTreeCpuSeconds(process.pid)!;
      expect(tree - own).toBeGreaterThanOrEqual(0.2);
    } finally {
      child.kill();
    }
    // Node's start-up and 0.3 s of CPU take several seconds on a machine this busy.
  }, 60_000);

  it('is undefined for a process that does not exist', () => {
    expect(readProcessTreeCpuSeconds(2 ** 22 + 1)).toBeUndefined();
  });
});
