// Finds the port in a server's `Listening at` log line (SPEC, Logs). netlab's servers and
// the baselines print the same JSON shape, so one parser serves every server.

export function parseListeningPort(line: string): number | undefined {
  if (!line.includes('Listening at')) return undefined;
  let event: unknown;
  try {
    event = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof event !== 'object' || event === null) return undefined;
  const { msg, port } = event as { msg?: unknown; port?: unknown };
  return msg === 'Listening at' && typeof port === 'number' && port > 0 ? port : undefined;
}
