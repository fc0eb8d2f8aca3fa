import { flag } from '@netlab/cli';

export const SUMMARY =
  'Sends each line typed (or piped) to a TCP line server (tcp-server: the task or the\n' +
  'uppercase service) and prints each reply; History is shown one message a line, Exit\n' +
  'disconnects. Piped lines are sent without waiting for each reply; at end of input it\n' +
  'waits for every reply, then exits. With --chat (the chat service answers no line but\n' +
  'Exit) it pairs nothing: lines go out as typed and whatever the server sends is printed\n' +
  'as it comes, above the prompt and what is half typed. Logs are JSON lines on stderr.';

export const FOOTER =
  'Exit status: 0 when every line was answered, 1 when the server cannot be reached, its\n' +
  'certificate cannot be verified (--tls) or it closes the connection first (with\n' +
  '--reconnect: when a line lost its reply, or every attempt to connect again failed),\n' +
  '2 for a bad flag or an unusable TLS file.';

export const TCP_CLIENT_FLAGS = {
  host: flag.host('127.0.0.1', 'server address or host name; ::1 for IPv6'),
  port: flag.port(1060, 'server port', 1),
  path: flag.optionalText(
    'connect to this Unix domain socket instead of --host and --port',
    'a file system path',
    'PATH',
  ),
  reconnect: flag.switch(
    'a lost connection is reported, connected again (10 tries), and a new session goes on',
  ),
  chat: flag.switch(
    'for --service chat: no reply awaited; every line from the server printed as it comes',
  ),
  tls: flag.switch(
    "speak TLS, verifying the server's certificate (against --tls-ca, or the system's CAs) and name",
  ),
  tlsCa: flag.optionalText(
    'CA certificates (PEM) to trust instead of the system CAs',
    'a file path',
    'FILE',
  ),
  tlsCert: flag.optionalText(
    'a client certificate (PEM), for a server that requires one; needs --tls-key',
    'a file path',
    'FILE',
  ),
  tlsKey: flag.optionalText("the client certificate's private key (PEM)", 'a file path', 'FILE'),
  tlsServername: flag.optionalText(
    "the name the server's certificate must carry, also sent as SNI (default: --host)",
    'a host name',
    'NAME',
  ),
  logLevel: flag.logLevel(),
  dump: flag.switch(
    "log every line's text and hex, in and out (at debug level, which --dump turns on)",
  ),
  pcap: flag.pcap(),
  pcapMaxBytes: flag.pcapMaxBytes(),
};
