import path from 'node:path';
import { freePort } from './free-port';
import { WORKSPACE_ROOT } from './paths';
import { spawnProcess, type Spawned } from './processes';

/** The line each textbook server (and each test fixture server) prints once it is bound. */
export const PYTHON_READY_LINE = 'The server is ready to receive';

const READY_TIMEOUT_MS = 10_000;

export interface PythonServer extends Spawned {
  readonly port: number;
}

/**
 * Starts a Python server that takes its port as its first argument and prints
 * PYTHON_READY_LINE once bound (docs/textbook's, or a fixture written the same way), on a
 * free port; resolves once it is ready. `script` is relative to the workspace root.
 */
export async function startPythonServer(
  script: string,
  kind: 'tcp' | 'udp',
  args: readonly string[] = [],
): Promise<PythonServer> {
  const port = await freePort(kind);
  const spawned = spawnProcess('python3', [
    '-u',
    path.join(WORKSPACE_ROOT, script),
    String(port),
    ...args,
  ]);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (!spawned.output.stdout.includes(PYTHON_READY_LINE)) return;
          spawned.child.stdout.off('data', check);
          resolve();
        };
        spawned.child.stdout.on('data', check);
        check();
      }),
      spawned.exited.then((exit) => {
        throw new Error(`${script} exited (${exit.code ?? exit.signal}): ${exit.stderr}`);
      }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${script} was not ready within ${READY_TIMEOUT_MS} ms`)),
          READY_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    await spawned.stop('SIGKILL');
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return { ...spawned, port };
}
