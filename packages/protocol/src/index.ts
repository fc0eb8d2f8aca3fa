export {
  DecoderFailedError,
  FrameLimitError,
  FrameTooLargeError,
  InvalidEnvelopeError,
  InvalidOptionsError,
  InvalidProxyHeaderError,
  LineTooLongError,
  NetlabError,
  NewlineInLineError,
  ProtocolError,
  ProtocolErrorCode,
  UnknownServiceError,
  UnsupportedEnvelopeVersionError,
} from './errors';
export type { FrameCodec, FrameDecoder } from './frame-codec';
export { DEFAULT_MAX_BUFFERED_CHUNKS, DEFAULT_MAX_LINE_BYTES, LineDecoder } from './line-decoder';
export type { LineDecoderOptions } from './line-decoder';
export { encodeLines, lineCodec } from './line-encoder';
export {
  DEFAULT_MAX_FRAME_BYTES,
  LENGTH_PREFIX_BYTES,
  LengthPrefixedDecoder,
  encodeLengthPrefixed,
  lengthPrefixedCodec,
} from './length-prefixed';
export type { LengthPrefixedOptions } from './length-prefixed';
export {
  ENVELOPE_HEADER_BYTES,
  ENVELOPE_MARKER,
  ENVELOPE_VERSION,
  MAX_ENVELOPE_ID,
  MAX_UDP_PAYLOAD_BYTES,
  decodeEnvelope,
  encodeEnvelope,
  isEnveloped,
} from './envelope';
export type { Envelope, EnvelopeHeader } from './envelope';
export { uppercase, uppercaseWithinBytes } from './uppercase';
export {
  MAX_SEGMENT_BYTES,
  PacketSynthesizer,
  ipv6Bytes,
  pcapngHeader,
  pcapngPacket,
  tcpPacket,
  udpPacket,
} from './pcapng';
export type { PacketEndpoint, TrafficEvent, TrafficTap } from './pcapng';
export {
  DEFAULT_HISTORY_LIMIT,
  DEFAULT_HISTORY_MAX_BYTES,
  DISCONNECT_REPLY,
  SERVICE_NAMES,
  createSession,
  createTaskSession,
  createUppercaseSession,
  isExitCommand,
} from './session';
export type { ServiceName, Session, SessionReply, TaskSessionOptions } from './session';
export { ChatRoom } from './chat';
export type { ChatConnection, ChatReply, ChatSession } from './chat';
export { HISTORY_PREFIX, formatHistory, parseHistory } from './history';
export { backoffCeiling, fullJitterDelay } from './backoff';
export type { BackoffPolicy, RandomSource } from './backoff';
export { PROXY_V2_SIGNATURE, ProxyHeaderDecoder } from './proxy-header';
export { REUSE_PORT_NODE_VERSION, nodeHasReusePort, reusePortUnsupported } from './reuse-port';
export type { ProxyHeader, ProxyHeaderResult } from './proxy-header';
