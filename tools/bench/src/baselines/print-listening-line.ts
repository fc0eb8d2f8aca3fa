// The start-up line every baseline prints, shaped like the netlab servers' pino line so
// the runner needs one parser for all of them.
export function printListeningLine(transport: 'tcp' | 'udp', address: string, port: number): void {
  process.stdout.write(
    JSON.stringify({ level: 30, time: Date.now(), msg: 'Listening at', transport, address, port }) +
      '\n',
  );
}
