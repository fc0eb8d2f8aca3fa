export { createFaultProxy } from './fault-proxy';
export type { FaultProxy, FaultProxyOptions, ProxyTarget, StreamFaults } from './fault-proxy';
