const cleanups: (() => Promise<unknown> | unknown)[] = [];

/** Registers something to close after the current test; `runCleanups` (in afterEach) runs them, newest first. */
export function onCleanup(fn: () => Promise<unknown> | unknown): void {
  cleanups.push(fn);
}

export async function runCleanups(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!();
}
