import { readFile } from 'node:fs/promises';

/**
 * Stops process `pid` (SIGSTOP) and resolves once it is in the stopped state. A signal is
 * delivered asynchronously: bytes sent to the process before it takes effect would be read
 * at once, and a test of a late process would test nothing.
 */
export async function stopProcess(pid: number): Promise<void> {
  process.kill(pid, 'SIGSTOP');
  // The state is the field after the command name, which is in parentheses.
  const state = async () => (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]?.[0];
  while ((await state()) !== 'T') await new Promise((resolve) => setTimeout(resolve, 5));
}
