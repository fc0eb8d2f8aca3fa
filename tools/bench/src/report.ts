// Turns the measurements of a run into medians per server, ratios to each scenario's
// baseline with their targets, and the two tables and JSON document a reader sees.

import { median } from './latency-histogram';
import { describeTarget, formatMetric, meetsTarget, METRICS } from './metrics';
import type { MetricName } from './metrics';
import type { Measurement, RunRecord } from './runner';
import { scenarioServers } from './scenarios';
import type { Scenario } from './scenarios';
import type { ServerName } from './servers';
import { formatTable } from './text-table';

// Above half a core the generator is no longer a small, steady cost beside the server: on a
// 2-core machine it competes for the server's core, and its figures stop measuring the server.
export const GENERATOR_CPU_LIMIT = 0.5;

export interface ServerSummary {
  scenario: string;
  server: ServerName;
  rounds: number;
  /** Medians over the rounds. */
  metrics: Partial<Record<MetricName, number>>;
  generatorCpu?: number;
  serverCpu?: number;
  /** The spread of msg/s over the rounds: [lowest, highest]. */
  messagesPerSecondRange?: [number, number];
  errors: number;
  lost: number;
  late: number;
}

export interface Comparison {
  scenario: string;
  metric: MetricName;
  baseline: ServerName;
  baselineValue?: number;
  subject: ServerName;
  subjectValue?: number;
  /** subject / baseline. */
  ratio?: number;
  target?: string;
  ok?: boolean;
  /** The generator's CPU share (median) against the baseline and against the subject. */
  generatorCpu: [number | undefined, number | undefined];
  /** Either generator went above GENERATOR_CPU_LIMIT: the ratio does not measure the servers. */
  generatorBound: boolean;
}

export interface RunSummary {
  servers: ServerSummary[];
  comparisons: Comparison[];
  warnings: string[];
}

export function summarizeRun(scenarios: readonly Scenario[], record: RunRecord): RunSummary {
  const servers: ServerSummary[] = [];
  const comparisons: Comparison[] = [];
  const warnings: string[] = [];
  for (const scenario of scenarios) {
    const byServer = new Map<ServerName, ServerSummary>();
    for (const server of scenarioServers(scenario)) {
      const measured = record.measurements.filter(
        (each) => each.scenario === scenario.name && each.server === server,
      );
      if (measured.length === 0) continue;
      const summary = summarizeServer(scenario.name, server, measured);
      byServer.set(server, summary);
      servers.push(summary);
      if (isGeneratorBound(summary)) {
        warnings.push(
          `${scenario.name} · ${server}: the generator used ${percent(summary.generatorCpu)} of a core (over ${percent(GENERATOR_CPU_LIMIT)}): this row does not measure the server`,
        );
      }
    }
    for (const subject of scenario.subjects) {
      const baselineName = subject.against ?? scenario.baseline;
      const baseline = byServer.get(baselineName);
      const measured = byServer.get(subject.server);
      if (baseline === undefined && measured === undefined) continue;
      for (const metric of scenario.compared) {
        const baselineValue = baseline?.metrics[metric];
        const subjectValue = measured?.metrics[metric];
        const ratio =
          baselineValue !== undefined && subjectValue !== undefined && baselineValue > 0
            ? subjectValue / baselineValue
            : undefined;
        const target = subject.targets.find((each) => each.metric === metric);
        comparisons.push({
          scenario: scenario.name,
          metric,
          baseline: baselineName,
          baselineValue,
          subject: subject.server,
          subjectValue,
          ratio,
          target: target && describeTarget(target),
          ok: target && ratio !== undefined ? meetsTarget(target, ratio) : undefined,
          generatorCpu: [baseline?.generatorCpu, measured?.generatorCpu],
          generatorBound:
            (baseline !== undefined && isGeneratorBound(baseline)) ||
            (measured !== undefined && isGeneratorBound(measured)),
        });
      }
    }
  }
  return { servers, comparisons, warnings };
}

function isGeneratorBound(summary: ServerSummary): boolean {
  return (summary.generatorCpu ?? 0) > GENERATOR_CPU_LIMIT;
}

function summarizeServer(
  scenario: string,
  server: ServerName,
  measured: Measurement[],
): ServerSummary {
  const metrics: Partial<Record<MetricName, number>> = {};
  for (const metric of Object.keys(METRICS) as MetricName[]) {
    const values = measured.flatMap((each) => each.metrics[metric] ?? []);
    if (values.length > 0) metrics[metric] = median(values);
  }
  const cpu = (pick: (each: Measurement) => number | undefined) => {
    const values = measured.flatMap((each) => pick(each) ?? []);
    return values.length > 0 ? median(values) : undefined;
  };
  const rates = measured.flatMap((each) => each.metrics.messagesPerSecond ?? []);
  const total = (pick: (each: Measurement) => number) =>
    measured.reduce((sum, each) => sum + pick(each), 0);
  return {
    scenario,
    server,
    rounds: measured.length,
    metrics,
    generatorCpu: cpu((each) => each.generatorCpu),
    serverCpu: cpu((each) => each.serverCpu),
    messagesPerSecondRange: rates.length > 0 ? [Math.min(...rates), Math.max(...rates)] : undefined,
    errors: total((each) => each.errors),
    lost: total((each) => each.lost),
    late: total((each) => each.late),
  };
}

export function formatReport(summary: RunSummary, record: RunRecord): string {
  const sections: string[] = [];
  sections.push(
    'Measurements (median over rounds; CPU as a share of one core)\n' +
      formatTable(
        [
          'scenario',
          'server',
          'rounds',
          'msg/s',
          'msg/s min–max',
          'MB/s',
          'srv µs/msg',
          'p50 µs',
          'p99 µs',
          'p999 µs',
          'RSS MiB',
          'start ms',
          'gen CPU',
          'srv CPU',
          'errors',
          'lost',
        ],
        summary.servers.map((each) => [
          each.scenario,
          each.server,
          String(each.rounds),
          formatMetric('messagesPerSecond', each.metrics.messagesPerSecond),
          each.messagesPerSecondRange === undefined
            ? '-'
            : each.messagesPerSecondRange
                .map((rate) => formatMetric('messagesPerSecond', rate))
                .join('–'),
          formatMetric('megabytesPerSecond', each.metrics.megabytesPerSecond),
          formatMetric('serverCpuMicrosPerMessage', each.metrics.serverCpuMicrosPerMessage),
          formatMetric('p50Micros', each.metrics.p50Micros),
          formatMetric('p99Micros', each.metrics.p99Micros),
          formatMetric('p999Micros', each.metrics.p999Micros),
          formatMetric('serverRssMiB', each.metrics.serverRssMiB),
          formatMetric('startupMs', each.metrics.startupMs),
          percent(each.generatorCpu) + (isGeneratorBound(each) ? ' !' : ''),
          percent(each.serverCpu),
          String(each.errors),
          String(each.lost),
        ]),
      ),
  );
  sections.push(
    'Ratios to the baseline (subject / baseline)\n' +
      formatTable(
        [
          'scenario',
          'metric',
          'baseline',
          'value',
          'subject',
          'value',
          'ratio',
          'target',
          'ok?',
          'gen CPU',
        ],
        summary.comparisons.map((each) => [
          each.scenario,
          METRICS[each.metric].label,
          each.baseline,
          formatMetric(each.metric, each.baselineValue),
          each.subject,
          formatMetric(each.metric, each.subjectValue),
          each.ratio === undefined ? '-' : `${each.ratio.toFixed(2)}×`,
          each.target ?? '',
          each.ok === undefined ? '' : each.ok ? 'yes' : 'NO',
          each.generatorCpu.every((share) => share === undefined)
            ? ''
            : `${each.generatorCpu.map(percent).join(' / ')}${each.generatorBound ? ' NOT MEASURING THE SERVER' : ''}`,
        ]),
      ),
  );
  const notes = [
    ...summary.warnings.map((warning) => `warning: ${warning}`),
    ...record.measurements.flatMap((each) =>
      each.notes.map((note) => `note: round ${each.round} ${each.scenario}: ${note}`),
    ),
    ...record.skipped.map((each) => `skipped ${each.server}: ${each.reason}`),
    ...record.failures.map(
      (each) =>
        `FAILED ${[each.round && `round ${each.round}`, each.scenario, each.server].filter(Boolean).join(' · ')}: ${each.message}`,
    ),
  ];
  if (notes.length > 0) sections.push(notes.join('\n'));
  const withTargets = summary.comparisons.filter((each) => each.ok !== undefined);
  const met = withTargets.filter((each) => each.ok).length;
  sections.push(
    `Targets met: ${met} of ${withTargets.length}. ` +
      (record.failures.length === 0
        ? 'Every measurement ran and every reply was verified.'
        : `${record.failures.length} failure(s): see above.`),
  );
  return sections.join('\n\n');
}

function percent(share: number | undefined): string {
  return share === undefined ? '-' : `${(share * 100).toFixed(0)}%`;
}
