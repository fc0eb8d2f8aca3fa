import { describeFileFlagProblem, missingCompanion, type AppLogger } from '@netlab/cli';
import {
  loadServerTlsFiles,
  TcpTlsConfigError,
  type TcpServer,
  type TcpServerTlsOptions,
} from '@netlab/tcp-transport';

/** The TLS flags of tcp-server. */
export type TlsFlags = {
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  tlsCa: string | undefined;
  tlsClientAuth: boolean;
};

/** What the TLS flags ask for: nothing, TLS, or a usage problem (one line, exit 2). */
export type TlsSetup =
  | { kind: 'off' }
  | { kind: 'on'; tls: TcpServerTlsOptions }
  | { kind: 'unusable'; message: string };

/**
 * Reads and checks the files of the TLS flags, before anything is bound: a missing or
 * unreadable file, one that is not PEM, a key that does not match the certificate are
 * each one line naming the flag and file.
 */
export async function setUpTls(flags: TlsFlags): Promise<TlsSetup> {
  const missing = missingCompanion(flags, [
    ['tlsKey', 'tlsCert'],
    ['tlsCert', 'tlsKey'],
    ['tlsCert', 'tlsCa'],
    ['tlsCa', 'tlsClientAuth'],
  ]);
  if (missing !== undefined) return { kind: 'unusable', message: missing };
  const files = tlsFiles(flags);
  if (!files) return { kind: 'off' };
  try {
    return { kind: 'on', tls: await load(flags, files) };
  } catch (error) {
    if (!(error instanceof TcpTlsConfigError)) throw error;
    return { kind: 'unusable', message: describeFileFlagProblem(fileFlags(flags), error) };
  }
}

/**
 * SIGHUP: the certificate and key (and CA) read again, checked as at start, and given to
 * new connections; open ones keep theirs. A rotation that fails is logged and the server
 * keeps serving with what it had.
 */
export async function reloadTls(flags: TlsFlags, server: TcpServer, log: AppLogger): Promise<void> {
  const files = tlsFiles(flags);
  if (!files) return;
  try {
    server.updateTls(await load(flags, files));
    log.logger.info({ cert: flags.tlsCert, key: flags.tlsKey }, 'TLS certificate reloaded');
  } catch (error) {
    const problem =
      error instanceof TcpTlsConfigError
        ? describeFileFlagProblem(fileFlags(flags), error)
        : String(error);
    log.logger.error({ problem }, 'TLS reload failed: still serving the previous certificate');
  }
}

/** The certificate and key files, when TLS is on. */
function tlsFiles(flags: TlsFlags): { cert: string; key: string; ca?: string } | undefined {
  if (flags.tlsCert === undefined || flags.tlsKey === undefined) return undefined;
  return { cert: flags.tlsCert, key: flags.tlsKey, ca: flags.tlsCa };
}

function load(
  flags: TlsFlags,
  files: { cert: string; key: string; ca?: string },
): Promise<TcpServerTlsOptions> {
  return loadServerTlsFiles(files, { requireClientCertificate: flags.tlsClientAuth });
}

function fileFlags(flags: TlsFlags): Record<string, string | undefined> {
  return { tlsCert: flags.tlsCert, tlsKey: flags.tlsKey, tlsCa: flags.tlsCa };
}
