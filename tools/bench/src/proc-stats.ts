// Readings of another process from Linux /proc: resident memory and CPU time. Both return
// undefined when the file cannot be read (the process is gone, or this is not Linux), and
// the report shows a dash rather than failing the run over a missing statistic.

import { readdirSync, readFileSync } from 'node:fs';

// utime and stime in /proc/<pid>/stat are in USER_HZ ticks, which the kernel ABI fixes at
// 100 on every architecture Node supports (sysconf(_SC_CLK_TCK)).
const CLOCK_TICKS_PER_SECOND = 100;

export function readRssBytes(pid: number): number | undefined {
  const status = readProcFile(`/proc/${pid}/status`);
  const match = status === undefined ? null : /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** User plus system CPU time the process has used so far, in seconds. */
export function readCpuSeconds(pid: number): number | undefined {
  const stat = readProcFile(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: split after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const userTicks = Number(fields[11]);
  const systemTicks = Number(fields[12]);
  if (!Number.isFinite(userTicks) || !Number.isFinite(systemTicks)) return undefined;
  return (userTicks + systemTicks) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU time of a process and all its descendants (a `--workers` server: the primary and
 * its workers), in seconds. Children are read from /proc/<pid>/task/<tid>/children.
 */
export function readProcessTreeCpuSeconds(pid: number): number | undefined {
  const own = readCpuSeconds(pid);
  if (own === undefined) return undefined;
  let total = own;
  for (const child of readChildren(pid)) total += readProcessTreeCpuSeconds(child) ?? 0;
  return total;
}

function readChildren(pid: number): number[] {
  const tasks = readDirectory(`/proc/${pid}/task`);
  return tasks.flatMap((tid) =>
    (readProcFile(`/proc/${pid}/task/${tid}/children`) ?? '')
      .split(' ')
      .filter(Boolean)
      .map(Number),
  );
}

function readDirectory(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** This process's limit on open file descriptors (what `ulimit -n` set), if known. */
export function readOpenFilesLimit(): { soft: string; hard: string } | undefined {
  const limits = readProcFile('/proc/self/limits');
  const match = limits === undefined ? null : /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  return match ? { soft: match[1], hard: match[2] } : undefined;
}

function readProcFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
