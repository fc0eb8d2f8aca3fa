import { existsSync, readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { renderTemplate } from './render-template';

/** The config templates: the recipe itself, readable as they are. */
export const TEMPLATE_DIR = path.resolve(__dirname, '../templates');

export interface Backend {
  host: string;
  port: number;
}

export interface HaproxyConfigOptions {
  /** Where HAProxy listens for clients. */
  listen: Backend;
  /** tcp-server instances, each run with --proxy-protocol. */
  servers: readonly Backend[];
  /** Directory for the pid file. */
  runDir: string;
  /** How often each server is checked; one failed check takes it out. */
  checkIntervalMs?: number;
  /**
   * The servers speak TLS (tcp-server --tls-cert/--tls-key): HAProxy passes the TLS stream
   * through (templates/haproxy-tls.cfg) and checks each server over TLS, trusting `caFile`.
   */
  tls?: { caFile: string };
}

export function haproxyConfig(options: HaproxyConfigOptions): string {
  const template = options.tls ? 'haproxy-tls.cfg' : 'haproxy.cfg';
  return renderTemplate(readTemplate(template), {
    ...(options.tls ? { TLS_CA_FILE: options.tls.caFile } : {}),
    RUN_DIR: options.runDir,
    LISTEN_HOST: options.listen.host,
    LISTEN_PORT: options.listen.port,
    CHECK_INTERVAL_MS: options.checkIntervalMs ?? 1000,
    SERVERS: options.servers
      .map((server, i) => `    server tcp${i + 1} ${server.host}:${server.port}`)
      .join('\n'),
  });
}

export interface NginxConfigOptions {
  /** The address nginx listens on, UDP and TCP. */
  host: string;
  udpPort: number;
  /** udp-server instances. */
  udpServers: readonly Backend[];
  tcpPort: number;
  /** tcp-server instances, each run with --proxy-protocol. */
  tcpServers: readonly Backend[];
  /** The prefix (-p) directory: pid file, and the config itself. */
  runDir: string;
  /** The stream module's file when nginx has it as a dynamic module (Debian's packages). */
  streamModule?: string | undefined;
}

/** Debian's nginx has the stream module as a separate package (libnginx-mod-stream). */
export const DEBIAN_STREAM_MODULE = '/usr/lib/nginx/modules/ngx_stream_module.so';

export function nginxConfig(options: NginxConfigOptions): string {
  const upstream = (servers: readonly Backend[]): string =>
    servers.map((server) => `        server ${server.host}:${server.port};`).join('\n');
  return renderTemplate(readTemplate('nginx.conf'), {
    LOAD_STREAM_MODULE: options.streamModule ? `load_module ${options.streamModule};` : '',
    // nginx started as root switches its workers to nobody, who could not use a private
    // temporary directory: as root, say to stay root (as any other user, it stays that user).
    USER: isRoot() ? `user ${userInfo().username};` : '',
    RUN_DIR: options.runDir,
    LISTEN_HOST: options.host,
    UDP_PORT: options.udpPort,
    UDP_SERVERS: upstream(options.udpServers),
    TCP_PORT: options.tcpPort,
    TCP_SERVERS: upstream(options.tcpServers),
  });
}

/** The stream module to load, if this nginx needs it loaded (see DEBIAN_STREAM_MODULE). */
export function findStreamModule(): string | undefined {
  return existsSync(DEBIAN_STREAM_MODULE) ? DEBIAN_STREAM_MODULE : undefined;
}

function readTemplate(name: string): string {
  return readFileSync(path.join(TEMPLATE_DIR, name), 'utf8');
}

function isRoot(): boolean {
  return process.getuid?.() === 0;
}
