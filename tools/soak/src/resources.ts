import { setTimeout as sleep } from 'node:timers/promises';

/** The resources this thread holds that a finished soak must have closed. */
export function openResources(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((kind) => kind !== 'TTYWrap' && kind !== 'PipeWrap' && kind !== 'FSReqCallback');
}

/** The same resource kinds, as many of each. */
export function sameKinds(a: string[], b: string[]): boolean {
  return [...a].sort().join() === [...b].sort().join();
}

/** How long a finished soak waits for the handles it closed to be released. */
const RELEASE_BUDGET_MS = 5_000;

/**
 * What is open once every handle closed before the call has been released, or when the
 * budget is spent. A handle's 'close' event comes on the next tick, but Node frees it in a
 * close phase of the event loop, which can come a turn later: after a timer set in the
 * meantime when the loop is late (a busy machine), so a look after one timer turn would see
 * it still open. Looks again until the kinds are those of `before`.
 */
export async function openResourcesOnceReleased(before: string[]): Promise<string[]> {
  const deadline = Date.now() + RELEASE_BUDGET_MS;
  let open = openResources();
  while (!sameKinds(open, before) && Date.now() < deadline) {
    await sleep(10);
    open = openResources();
  }
  return open;
}
