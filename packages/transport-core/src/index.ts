export { levelEnabled, silentLogger } from './logger';
export type { Logger } from './logger';
export { DEFAULT_DUMP_LIMIT, describeBytes } from './dump';
export type { ByteDescription } from './dump';
export { describeCause, formatEndpoint, formatHostPort } from './endpoint-text';
export type { Endpoint, HostPort } from './endpoint-text';
export { CLOSE_REASON, LOG_EVENT } from './log-events';
export type { CloseReason, LogEvent } from './log-events';
export { WaitAbortedError, waitForEvent } from './wait-for-event';
