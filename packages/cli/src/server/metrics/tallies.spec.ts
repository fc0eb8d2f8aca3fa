import { register } from 'prom-client';
import { Tally, TallyHistogram } from './tallies';

afterEach(() => register.clear());

describe('Tally', () => {
  it('exposes its total, and what its sources read at the scrape, as a counter', async () => {
    const tally = new Tally({ name: 'test_messages_total', help: 'Messages.' });
    tally.add();
    tally.add(4);
    let open = 10;
    tally.addSource(() => open);
    expect(await register.metrics()).toContain(
      '# TYPE test_messages_total counter\ntest_messages_total 15\n',
    );
    open = 12;
    expect(await register.getSingleMetricAsString('test_messages_total')).toContain(
      'test_messages_total 17',
    );
  });

  it('keeps a series per label value', async () => {
    const tally = new Tally({ name: 'test_datagrams_total', help: 'D.', labelName: 'outcome' });
    tally.addTo('answered', 3);
    tally.addTo('malformed');
    const text = await register.getSingleMetricAsString('test_datagrams_total');
    expect(text).toContain('test_datagrams_total{outcome="answered"} 3');
    expect(text).toContain('test_datagrams_total{outcome="malformed"} 1');
  });
});

describe('TallyHistogram', () => {
  it('exposes cumulative buckets, +Inf, sum and count', async () => {
    const histogram = new TallyHistogram({
      name: 'test_seconds',
      help: 'S.',
      buckets: [0.1, 0.01, 1],
    });
    for (const seconds of [0.005, 0.05, 0.5, 5]) histogram.observe(seconds);
    const text = await register.getSingleMetricAsString('test_seconds');
    expect(text).toContain('# TYPE test_seconds histogram');
    expect(text).toContain('test_seconds_bucket{le="0.01"} 1');
    expect(text).toContain('test_seconds_bucket{le="0.1"} 2');
    expect(text).toContain('test_seconds_bucket{le="1"} 3');
    expect(text).toContain('test_seconds_bucket{le="+Inf"} 4');
    expect(text).toContain('test_seconds_sum 5.555');
    expect(text).toContain('test_seconds_count 4');
  });
});
