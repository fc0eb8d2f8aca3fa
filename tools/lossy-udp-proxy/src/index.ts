export { startLossyProxy } from './lossy-proxy';
export type { LossyProxy, LossyProxyOptions, LossyProxyStats } from './lossy-proxy';
export { mulberry32 } from './prng';
