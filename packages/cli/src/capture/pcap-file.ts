import { closeSync, openSync, writeSync } from 'node:fs';
import {
  PacketSynthesizer,
  pcapngHeader,
  pcapngPacket,
  type TrafficEvent,
  type TrafficTap,
} from '@netlab/protocol';
import { WORKER_NUMBER_ENV } from '../server/worker-count';

/** `--pcap FILE` at work: a tap for the transports, and the file it writes. */
export interface PcapFile {
  /** Give this to the transport (`tap` option). */
  readonly tap: TrafficTap;
  /** Bytes written so far. */
  readonly bytesWritten: number;
  /** Closes the file (idempotent); packets after it are not written. */
  close(): void;
}

export interface PcapFileOptions {
  path: string;
  /** The file stops growing here: a packet that would pass it is not written, nor any after. */
  maxBytes: number;
  /** Which end this app is, so the synthesised TCP handshake goes the right way. */
  role: 'client' | 'server';
  /** One line for the user (stderr), at most once per kind of trouble. */
  report(line: string): void;
}

const CAPTURE_STATE = { IDLE: 'idle', WRITING: 'writing', STOPPED: 'stopped' } as const;
type CaptureState = (typeof CAPTURE_STATE)[keyof typeof CAPTURE_STATE];

/**
 * The capture file of `--pcap`. Opened at the first packet (so a cluster primary, which
 * handles none, writes nothing; each worker writes `FILE.worker-N` of its own), written
 * synchronously a packet at a time, so it is complete up to the last packet whatever ends
 * the process. A failure to open or write is one line through `report` and the end of the
 * capture, never of the app.
 */
export function openPcapFile(options: PcapFileOptions): PcapFile {
  const { maxBytes, report } = options;
  const worker = process.env[WORKER_NUMBER_ENV];
  const path = worker ? `${options.path}.worker-${worker}` : options.path;
  const synthesizer = new PacketSynthesizer(options.role);
  // Microseconds since 1970, from a monotonic clock anchored once to the wall clock.
  const wallAtStartUs = BigInt(Date.now()) * 1000n;
  const clockAtStart = process.hrtime.bigint();
  let state: CaptureState = CAPTURE_STATE.IDLE;
  let fd: number | undefined;
  let written = 0;

  function stop(line: string): void {
    state = CAPTURE_STATE.STOPPED;
    report(line);
  }

  function write(bytes: Buffer): boolean {
    if (fd === undefined) return false;
    try {
      writeSync(fd, bytes);
      written += bytes.length;
      return true;
    } catch (error) {
      stop(`--pcap ${path}: could not write: ${describeFileError(error)}; the capture stops here`);
      return false;
    }
  }

  function tap(event: TrafficEvent): void {
    if (state === CAPTURE_STATE.STOPPED) return;
    if (state === CAPTURE_STATE.IDLE) {
      try {
        fd = openSync(path, 'w');
      } catch (error) {
        stop(`--pcap ${path}: could not open: ${describeFileError(error)}; nothing is captured`);
        return;
      }
      state = CAPTURE_STATE.WRITING;
      if (!write(pcapngHeader())) return;
    }
    const timestampUs = wallAtStartUs + (process.hrtime.bigint() - clockAtStart) / 1000n;
    for (const packet of synthesizer.packets(event)) {
      const block = pcapngPacket(packet, timestampUs);
      if (written + block.length > maxBytes) {
        stop(
          `--pcap ${path}: reached --pcap-max-bytes (${maxBytes}); later packets are not captured`,
        );
        return;
      }
      if (!write(block)) return;
    }
  }

  return {
    tap,
    get bytesWritten() {
      return written;
    },
    close() {
      state = CAPTURE_STATE.STOPPED;
      if (fd === undefined) return;
      try {
        closeSync(fd);
      } catch {
        // Already closed: nothing more to save.
      }
      fd = undefined;
    },
  };
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
};

/** A file error in a few words (`permission denied`), never a stack. */
function describeFileError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return (code && FILE_ERRORS[code]) ?? code ?? String(error);
}
