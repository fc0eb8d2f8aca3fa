import type { TcpProbe } from '../tcp-probe';
import type { UdpProbe } from '../udp-probe';

export const SERVICES = ['task', 'uppercase', 'udp'] as const;
/** The exercise's services: task and uppercase over TCP lines, uppercase over UDP datagrams. */
export type Service = (typeof SERVICES)[number];

/** What a check needs: where the server is, how long to wait, and probes closed after it. */
export interface CheckContext {
  readonly host: string;
  readonly port: number;
  readonly service: Service;
  /** How long to wait for any one reply, connection or close. */
  readonly timeoutMs: number;
  /** A new TCP connection (a CheckFailure naming `sent` if none can be made). */
  tcp(sent?: string): Promise<TcpProbe>;
  /** A new UDP socket connected to the server. */
  udp(): Promise<UdpProbe>;
}

/** One rule of the exercise's protocol, tried against a running server. */
export interface Check {
  /** Short and stable: what the JSON report and the tests name. */
  readonly id: string;
  /** What it checks, in a few words. */
  readonly title: string;
  readonly services: readonly Service[];
  /** Resolves when the server behaved; throws a CheckFailure when it did not. */
  run(context: CheckContext): Promise<void>;
}
