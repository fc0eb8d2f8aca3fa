import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A certificate and its key, as files and as PEM text. */
export interface CertificateFiles {
  readonly cert: string;
  readonly key: string;
  readonly certPem: string;
  readonly keyPem: string;
}

/** Everything a TLS test needs, made fresh by `openssl` in a directory removed after the test. */
export interface TestCertificates {
  readonly dir: string;
  /** The test CA (`CN=netlab test CA`): signs the server and the trusted client. */
  readonly ca: CertificateFiles;
  /** `CN=localhost`, for localhost, 127.0.0.1 and ::1; signed by `ca`. */
  readonly server: CertificateFiles;
  /** A second server certificate (`CN=localhost rotated`) for the same names: a rotation. */
  readonly rotated: CertificateFiles;
  /** `CN=alice`, a client certificate signed by `ca`. */
  readonly client: CertificateFiles;
  /** `CN=mallory`, self-signed: a client certificate no one trusts. */
  readonly rogue: CertificateFiles;
  /** `CN=localhost`, self-signed: a server no client trusts without --tls-ca. */
  readonly selfSigned: CertificateFiles;
  /** Deletes the directory and every key in it. */
  remove(): void;
}

const SERVER_NAMES = 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1';

/**
 * A small PKI made at test time (no private key is ever committed): P-256 keys, valid for
 * two days, in a directory of its own. Making one takes openssl a fraction of a second, so
 * a test file makes one in beforeAll and calls `remove()` in afterAll.
 */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(path.join(tmpdir(), 'netlab-tls-'));
  const file = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  const selfSigned = (name: string, subject: string, extension?: string): void =>
    openssl(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      '-subj',
      subject,
      ...(extension ? ['-addext', extension] : []),
    );
  const signed = (name: string, subject: string, extension?: string): void => {
    openssl('req', ...newKey, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    const extensions = extension ? ['-extfile', `${name}.ext`] : [];
    if (extension) writeFileSync(file(`${name}.ext`), `${extension}\n`);
    openssl(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.crt`,
      '-days',
      '2',
      ...extensions,
    );
  };
  selfSigned('ca', '/CN=netlab test CA');
  signed('server', '/CN=localhost', SERVER_NAMES);
  signed('rotated', '/CN=localhost rotated', SERVER_NAMES);
  signed('client', '/CN=alice');
  selfSigned('rogue', '/CN=mallory');
  selfSigned('self-signed', '/CN=localhost', SERVER_NAMES);
  const pair = (name: string): CertificateFiles => {
    const cert = file(`${name}.crt`);
    const key = file(`${name}.key`);
    return { cert, key, certPem: readText(cert), keyPem: readText(key) };
  };
  return {
    dir,
    ca: pair('ca'),
    server: pair('server'),
    rotated: pair('rotated'),
    client: pair('client'),
    rogue: pair('rogue'),
    selfSigned: pair('self-signed'),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function readText(file: string): string {
  return readFileSync(file, 'utf8');
}
