import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { onCleanup } from './cleanup';

/**
 * A path named `name` in a fresh directory of its own (a Unix socket, a log file), removed
 * with everything in it after the test. Short, under the system temp directory: a Unix
 * socket path may hold only about a hundred bytes.
 */
export function temporaryPath(name: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'netlab-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, name);
}
