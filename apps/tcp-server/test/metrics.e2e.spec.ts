// --metrics-port (issue 15): a real Prometheus scrapes the server during traffic and finds
// the counts its clients caused; promtool accepts the exposition; /readyz turns 503 the
// moment a drain begins while /healthz stays 200; with --workers the primary's endpoint
// sums every worker.
import {
  httpGet,
  LineSocket,
  Prometheus,
  runCleanups,
  runToEnd,
  startServer,
  type RunningServer,
} from '@netlab-tools/app-harness';

const BUDGET_MS = 90_000;

/** Starts tcp-server with an endpoint on an OS-picked port; its `Metrics at` address. */
async function startWithMetrics(
  args: string[] = [],
): Promise<{ server: RunningServer; metrics: string }> {
  const server = await startServer('tcp-server', [
    '--host',
    '127.0.0.1',
    '--metrics-port',
    '0',
    ...args,
  ]);
  const at = await server.logs.waitFor('Metrics at');
  return { server, metrics: `127.0.0.1:${Number(at.port)}` };
}

/** The value of one series in an exposition (`name` or `name{label="value"}`), 0 if absent. */
function valueOf(exposition: string, series: string): number {
  const line = exposition.split('\n').find((text) => text.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

/** One client's conversation: `lines` messages, each answered, then Exit. */
async function converse(port: number, lines: number): Promise<{ sent: number; read: number }> {
  const client = await LineSocket.connect({ port });
  let sent = 0;
  let read = 0;
  for (let index = 0; index < lines; index++) {
    const text = `message ${index}\n`;
    await client.write(text);
    sent += Buffer.byteLength(text);
    const reply = await client.readLine();
    read += Buffer.byteLength(reply) + 1;
  }
  await client.write('Exit\n');
  sent += 'Exit\n'.length;
  read += `${await client.readLine()}\n`.length;
  await client.closed;
  return { sent, read };
}

afterEach(runCleanups);

describe('tcp-server (built app): --metrics-port', () => {
  it(
    'is scraped by a real Prometheus during traffic, with counters matching what the clients sent',
    async () => {
      const { server, metrics } = await startWithMetrics(['--log-level', 'warn']);
      const prometheus = await Prometheus.start([{ job: 'tcp-server', address: metrics }]);
      const up = await prometheus.waitFor('up{job="tcp-server"}', (samples) =>
        samples.some((sample) => sample.value === 1),
      );
      expect(up).toHaveLength(1);

      // A client stays connected while Prometheus scrapes: the open gauge sees it.
      const lingering = await LineSocket.connect({ port: server.port });
      await lingering.write('Hi\n');
      expect(await lingering.readLine()).toBe('Your data was 2 bytes');
      await prometheus.waitFor('netlab_connections_open{job="tcp-server"}', (samples) =>
        samples.some((sample) => sample.value === 1),
      );

      const conversations = await Promise.all(
        Array.from({ length: 5 }, () => converse(server.port, 20)),
      );
      lingering.socket.destroy();
      await lingering.closed;

      // 5 clients x (20 messages + Exit), and the lingering client's one message.
      const messages = 5 * 21 + 1;
      const bytesIn = conversations.reduce((sum, { sent }) => sum + sent, 0) + 'Hi\n'.length;
      const bytesOut =
        conversations.reduce((sum, { read }) => sum + read, 0) + 'Your data was 2 bytes\n'.length;
      const expectations: Array<[string, number]> = [
        ['netlab_messages_received_total', messages],
        ['netlab_replies_sent_total', messages],
        ['netlab_connections_accepted_total', 6],
        ['netlab_connections_closed_total{reason="exit"}', 5],
        ['netlab_connections_closed_total{reason="client closed"}', 1],
        ['netlab_connections_open', 0],
        ['netlab_received_bytes_total', bytesIn],
        ['netlab_sent_bytes_total', bytesOut],
        ['netlab_handler_duration_seconds_count', messages],
      ];
      for (const [series, expected] of expectations) {
        const [name, labels = ''] = series.split('{');
        const promql = `${name}{job="tcp-server"${labels ? `,${labels.slice(0, -1)}` : ''}}`;
        await prometheus.waitFor(promql, (samples) =>
          samples.some((sample) => sample.value === expected),
        );
      }
      // And prom-client's process metrics, under the same prefix.
      const cpu = await prometheus.query('netlab_process_cpu_seconds_total{job="tcp-server"}');
      expect(cpu[0]?.value).toBeGreaterThan(0);
    },
    BUDGET_MS,
  );

  it(
    "serves an exposition promtool accepts, with the limits' breaches by kind",
    async () => {
      const { server, metrics } = await startWithMetrics(['--max-line-bytes', '8']);
      const client = await LineSocket.connect({ port: server.port });
      await client.write('far too long a line\n');
      expect(await client.readLine()).toMatch(/^Error: line too long/);
      await client.closed;

      let exposition = '';
      // The close is counted as the server sees it: poll until it has.
      for (let tries = 0; tries < 100; tries++) {
        exposition = (await httpGet(`http://${metrics}/metrics`)).body;
        if (valueOf(exposition, 'netlab_limit_breaches_total{kind="max-line-bytes"}') === 1) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(valueOf(exposition, 'netlab_limit_breaches_total{kind="max-line-bytes"}')).toBe(1);
      expect(valueOf(exposition, 'netlab_connections_closed_total{reason="line too long"}')).toBe(
        1,
      );
      const check = await runToEnd('promtool', ['check', 'metrics'], exposition);
      expect(check).toMatchObject({ code: 0, stdout: '', stderr: '' });
    },
    BUDGET_MS,
  );

  it(
    'answers /readyz 503 from the start of a drain a non-reading client holds open, /healthz 200 throughout',
    async () => {
      const { server, metrics } = await startWithMetrics(['--grace', '30000']);
      expect(await httpGet(`http://${metrics}/readyz`)).toEqual({ status: 200, body: 'ready\n' });
      expect((await httpGet(`http://${metrics}/healthz`)).status).toBe(200);

      // 2,000 History replies of 60 kB owed to a client that never reads: the drain waits.
      // 120 MB, more than the kernel holds for one connection (a 4 MiB send buffer here, a
      // receive buffer of up to 32 MiB): with 50 (3 MB), a server given time before the
      // SIGTERM had handed every reply to the kernel, owed nothing, and closed at once.
      const stuck = await LineSocket.connect({ port: server.port }, { reading: false });
      await stuck.write(`${'m'.repeat(60_000)}\n${'History\n'.repeat(2000)}`);
      server.child.kill('SIGTERM');
      await server.logs.waitFor('Shutting down');

      expect(await httpGet(`http://${metrics}/readyz`)).toEqual({
        status: 503,
        body: 'not ready\n',
      });
      expect(await httpGet(`http://${metrics}/healthz`)).toEqual({ status: 200, body: 'ok\n' });
      expect(server.child.exitCode).toBeNull();

      stuck.socket.destroy();
      expect((await server.exited).code).toBe(0);
    },
    BUDGET_MS,
  );

  it(
    'with --workers 2, serves from the primary the sum of both workers, ready while one listens',
    async () => {
      const { server, metrics } = await startWithMetrics(['--workers', '2']);
      await server.logs.waitForCount('Listening at', 2);
      expect((await httpGet(`http://${metrics}/readyz`)).status).toBe(200);

      // Enough connections that node:cluster's round robin gives each worker some.
      const conversations = 12;
      await Promise.all(Array.from({ length: conversations }, () => converse(server.port, 4)));
      const workersServing = new Set(
        server.logs.find('Connection accepted').map((line) => line.worker as number),
      );
      expect([...workersServing].sort()).toEqual([1, 2]);

      const messages = conversations * 5;
      let exposition = '';
      for (let tries = 0; tries < 100; tries++) {
        exposition = (await httpGet(`http://${metrics}/metrics`)).body;
        if (valueOf(exposition, 'netlab_connections_closed_total{reason="exit"}') === conversations)
          break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(valueOf(exposition, 'netlab_messages_received_total')).toBe(messages);
      expect(valueOf(exposition, 'netlab_replies_sent_total')).toBe(messages);
      expect(valueOf(exposition, 'netlab_connections_accepted_total')).toBe(conversations);
      expect(valueOf(exposition, 'netlab_connections_closed_total{reason="exit"}')).toBe(
        conversations,
      );
      expect((await runToEnd('promtool', ['check', 'metrics'], exposition)).code).toBe(0);

      server.child.kill('SIGTERM');
      await server.logs.waitFor('Shutting down', { worker: 0 });
      expect((await server.exited).code).toBe(0);
    },
    BUDGET_MS,
  );
});
