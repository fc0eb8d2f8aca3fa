import { describeFileFlagProblem, missingCompanion } from '@netlab/cli';
import {
  loadClientTlsFiles,
  TcpTlsConfigError,
  type TcpClientTlsOptions,
} from '@netlab/tcp-transport';

/** The TLS flags of tcp-client. */
export type ClientTlsFlags = {
  tls: boolean;
  tlsCa: string | undefined;
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  tlsServername: string | undefined;
};

/** No TLS, TLS with these options, or a usage problem (one line, exit 2). */
export type ClientTlsSetup =
  | { kind: 'off' }
  | { kind: 'on'; tls: TcpClientTlsOptions }
  | { kind: 'unusable'; message: string };

/** Reads and checks the files of the TLS flags before connecting. */
export async function setUpClientTls(flags: ClientTlsFlags): Promise<ClientTlsSetup> {
  const missing = missingCompanion(flags, [
    ['tls', 'tlsCa'],
    ['tls', 'tlsCert'],
    ['tls', 'tlsKey'],
    ['tls', 'tlsServername'],
    ['tlsKey', 'tlsCert'],
    ['tlsCert', 'tlsKey'],
  ]);
  if (missing !== undefined) return { kind: 'unusable', message: missing };
  if (!flags.tls) return { kind: 'off' };
  const files = { tlsCa: flags.tlsCa, tlsCert: flags.tlsCert, tlsKey: flags.tlsKey };
  try {
    const tls = await loadClientTlsFiles({
      ca: flags.tlsCa,
      cert: flags.tlsCert,
      key: flags.tlsKey,
    });
    if (flags.tlsServername !== undefined) tls.servername = flags.tlsServername;
    return { kind: 'on', tls };
  } catch (error) {
    if (!(error instanceof TcpTlsConfigError)) throw error;
    return { kind: 'unusable', message: describeFileFlagProblem(files, error) };
  }
}
