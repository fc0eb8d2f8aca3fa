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
