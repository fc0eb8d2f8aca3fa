// --metrics-port on udp-server (issue 15): a real Prometheus scrapes it during traffic and
// finds the datagrams its clients sent, by outcome; rate-limited ones are counted as such.
import { encodeEnvelope } from '@netlab/protocol';
import { httpGet, Prometheus, runCleanups, runToEnd, startServer } from '@netlab-tools/app-harness';
import { DatagramPeer } from './support/datagram-peer';

const BUDGET_MS = 90_000;

afterEach(runCleanups);

describe('udp-server (built app): --metrics-port', () => {
  it(
    'is scraped by a real Prometheus during traffic: datagrams answered, malformed and rate-limited',
    async () => {
      // 127.0.0.2 is limited to 1 datagram a second; 127.0.0.1 sends far below that.
      const server = await startServer('udp-server', [
        '--host',
        '0.0.0.0',
        '--metrics-port',
        '0',
        '--rate-limit',
        '1',
        '--log-level',
        'warn',
      ]);
      const at = await server.logs.waitFor('Metrics at');
      const metrics = `127.0.0.1:${Number(at.port)}`;
      const prometheus = await Prometheus.start([{ job: 'udp-server', address: metrics }]);
      await prometheus.waitFor('up{job="udp-server"}', (samples) =>
        samples.some((sample) => sample.value === 1),
      );

      // 5 sources, each its own address: 5 datagrams answered (one per second per address).
      const answeredTexts = ['one', 'two', 'three', 'four', 'five'];
      for (const [index, text] of answeredTexts.entries()) {
        const peer = await DatagramPeer.open(server.port, { localAddress: `127.0.0.${index + 1}` });
        expect((await peer.exchange(text)).toString()).toBe(text.toUpperCase());
      }
      // From 127.0.0.9: one answered, then a burst the limiter refuses (no reply to await).
      const flooder = await DatagramPeer.open(server.port, { localAddress: '127.0.0.9' });
      const floodStarted = performance.now();
      expect((await flooder.exchange('first')).toString()).toBe('FIRST');
      for (let index = 0; index < 10; index++) await flooder.send(`flood ${index}`);
      // From 127.0.0.10: an envelope cut short, which gets no reply.
      const broken = await DatagramPeer.open(server.port, { localAddress: '127.0.0.10' });
      await broken.send(encodeEnvelope(7, Buffer.from('x')).subarray(0, 4));

      const answeredBytes = [...answeredTexts, 'first'].reduce(
        (sum, text) => sum + Buffer.byteLength(text),
        0,
      );
      const sum = (samples: { value: number }[]): number =>
        samples.reduce((total, sample) => total + sample.value, 0);
      await prometheus.waitFor(
        'netlab_udp_datagrams_total{job="udp-server",outcome="malformed"}',
        (samples) => sum(samples) === 1,
      );
      // Sent after the flood, the malformed one was read after it: by now the server has
      // judged the whole flood, within this many seconds of 'first'.
      const floodSeconds = (performance.now() - floodStarted) / 1000;
      // The limiter refills one token a second: of the burst, one a second of it may get
      // through (more than on a quiet machine if the server was late and read it in one go);
      // every one of the 16 from 127.0.0.9 and the others is answered or refused.
      await prometheus.waitFor(
        'netlab_udp_datagrams_total{job="udp-server",outcome=~"answered|rate_limited"}',
        (samples) => sum(samples) === 6 + 10,
      );
      const limited = sum(
        await prometheus.query(
          'netlab_udp_datagrams_total{job="udp-server",outcome="rate_limited"}',
        ),
      );
      expect(limited).toBeGreaterThanOrEqual(10 - Math.ceil(floodSeconds));
      const answered = 16 - limited;
      await prometheus.waitFor(
        'netlab_messages_received_total{job="udp-server"}',
        (samples) => sum(samples) === 6 + 10 + 1,
      );
      await prometheus.waitFor(
        'netlab_replies_sent_total{job="udp-server"}',
        (samples) => sum(samples) === answered,
      );
      // Uppercase replies are as long as their requests; an answered flood line is 7 bytes.
      await prometheus.waitFor(
        'netlab_sent_bytes_total{job="udp-server"}',
        (samples) => sum(samples) === answeredBytes + 7 * (answered - 6),
      );

      const exposition = (await httpGet(`http://${metrics}/metrics`)).body;
      expect(await runToEnd('promtool', ['check', 'metrics'], exposition)).toMatchObject({
        code: 0,
        stderr: '',
      });
    },
    BUDGET_MS,
  );
});
