/**
 * `reusePort` (SO_REUSEPORT) on `net` listen and `dgram.createSocket`: added in Node 22.12
 * and 23.1 (https://github.com/nodejs/node/pull/55403). Both transports and the apps' flag
 * check ask here, so the rule and its wording live in one place.
 */
export const REUSE_PORT_NODE_VERSION = '22.12';

/** Whether the Node of `version` (`process.versions.node`, e.g. `22.12.0`) has reusePort. */
export function nodeHasReusePort(version: string): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major === 22) return minor >= 12;
  if (major === 23) return minor >= 1;
  return major > 23;
}

/** Why reusePort cannot be used on the Node of `version`, or undefined when it can. */
export function reusePortUnsupported(version: string): string | undefined {
  return nodeHasReusePort(version)
    ? undefined
    : `needs Node ${REUSE_PORT_NODE_VERSION} or later (this is Node ${version})`;
}
