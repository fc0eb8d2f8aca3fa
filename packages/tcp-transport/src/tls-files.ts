import type { KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { TcpTlsConfigError } from './errors';
import { nodeCrypto } from './lazy-tls';
import type { TcpClientTlsOptions, TcpServerTlsOptions } from './tls-options';

/** File names of TLS material, as a user gives them (`--tls-cert`, `--tls-key`, `--tls-ca`). */
export interface TlsFiles {
  cert?: string;
  key?: string;
  ca?: string;
}

/**
 * Reads and checks a server's files: each one exists, is readable and is PEM of the right
 * kind, and the key matches the certificate. Throws TcpTlsConfigError naming the file and
 * its problem (`server.key: does not match the certificate in server.crt`). Used at start
 * and on every reload, so a rotation is checked exactly as a start is.
 */
export async function loadServerTlsFiles(
  files: TlsFiles & { cert: string; key: string },
  options: { requireClientCertificate?: boolean } = {},
): Promise<TcpServerTlsOptions> {
  const [cert, key, ca] = await Promise.all([
    readCertificates(files.cert),
    readKey(files.key),
    files.ca !== undefined ? readCertificates(files.ca) : undefined,
  ]);
  checkKeyMatches(cert, key, files);
  return {
    cert: cert.pem,
    key: key.pem,
    ...(ca ? { ca: ca.pem } : {}),
    ...(options.requireClientCertificate ? { requireClientCertificate: true } : {}),
  };
}

/** Reads and checks a client's files: a CA bundle, and a certificate with its key. */
export async function loadClientTlsFiles(files: TlsFiles): Promise<TcpClientTlsOptions> {
  if ((files.cert === undefined) !== (files.key === undefined)) {
    throw new TcpTlsConfigError('a client certificate needs its key, and a key its certificate');
  }
  const [cert, key, ca] = await Promise.all([
    files.cert !== undefined ? readCertificates(files.cert) : undefined,
    files.key !== undefined ? readKey(files.key) : undefined,
    files.ca !== undefined ? readCertificates(files.ca) : undefined,
  ]);
  if (cert && key) checkKeyMatches(cert, key, files as { cert: string; key: string });
  return {
    ...(cert ? { cert: cert.pem } : {}),
    ...(key ? { key: key.pem } : {}),
    ...(ca ? { ca: ca.pem } : {}),
  };
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
const PRIVATE_KEY_BLOCK = /-----BEGIN ((?:RSA |EC |ENCRYPTED )?PRIVATE KEY)-----/;

async function readPem(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new TcpTlsConfigError(describeFileError(error), { file, cause: error });
  }
}

const FILE_ERROR_TEXT: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied (cannot read it)',
  EPERM: 'permission denied (cannot read it)',
  EISDIR: 'is a directory, not a file',
};

function describeFileError(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && code in FILE_ERROR_TEXT) return FILE_ERROR_TEXT[code];
  return `cannot be read (${typeof code === 'string' ? code : String(error)})`;
}

/** The first certificate of the file is the one its key must match (the rest: a chain). */
async function readCertificates(file: string): Promise<{ pem: Buffer; leaf: X509Certificate }> {
  const pem = await readPem(file);
  const blocks = pem.toString('latin1').match(CERTIFICATE_BLOCK);
  if (!blocks)
    throw new TcpTlsConfigError('not a PEM certificate (no BEGIN CERTIFICATE)', { file });
  const parsed = blocks.map((block) => {
    try {
      return new (nodeCrypto().X509Certificate)(block);
    } catch (error) {
      throw new TcpTlsConfigError('holds a certificate that cannot be parsed', {
        file,
        cause: error,
      });
    }
  });
  return { pem, leaf: parsed[0] };
}

async function readKey(file: string): Promise<{ pem: Buffer; key: KeyObject }> {
  const pem = await readPem(file);
  const kind = PRIVATE_KEY_BLOCK.exec(pem.toString('latin1'))?.[1];
  if (!kind) throw new TcpTlsConfigError('not a PEM private key (no BEGIN PRIVATE KEY)', { file });
  if (kind === 'ENCRYPTED PRIVATE KEY') {
    throw new TcpTlsConfigError('is encrypted; give the key without a passphrase', { file });
  }
  try {
    return { pem, key: nodeCrypto().createPrivateKey(pem) };
  } catch (error) {
    throw new TcpTlsConfigError('holds a private key that cannot be parsed', {
      file,
      cause: error,
    });
  }
}

function checkKeyMatches(
  cert: { leaf: X509Certificate },
  key: { key: KeyObject },
  files: { cert: string; key: string },
): void {
  if (!cert.leaf.checkPrivateKey(key.key)) {
    throw new TcpTlsConfigError(`does not match the certificate in ${files.cert}`, {
      file: files.key,
    });
  }
}
