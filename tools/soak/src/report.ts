import type { SoakReport } from './soak';

const number = (n: number) => n.toLocaleString('en-US');

/** The figures and the verdict of each check, for a person reading the CI log. */
export function formatReport(report: SoakReport): string {
  const out: string[] = [];
  out.push(
    `soak: ${report.seconds} s (load ${report.options.durationSeconds} s), seed ${report.options.seed}`,
  );
  out.push('', 'served');
  out.push(`  tcp-server requests received          ${number(report.served.tcpRequestsReceived)}`);
  out.push(
    `  normal TCP requests checked correct   ${number(report.served.tcpNormalRequestsAnsweredCorrectly)}`,
  );
  out.push(`  udp-server datagrams received         ${number(report.served.udpDatagramsReceived)}`);
  out.push(
    `  UDP requests checked correct          ${number(report.served.udpRequestsAnsweredCorrectly)}`,
  );
  const dropped = report.served.logLinesDropped;
  if (dropped['tcp-server'] + dropped['udp-server'] > 0) {
    out.push(
      `  log lines the servers dropped (stdout read too slowly; counts above short by these): ` +
        `tcp-server ${number(dropped['tcp-server'])}, udp-server ${number(dropped['udp-server'])}`,
    );
  }
  out.push('', 'faults injected, by kind');
  for (const [kind, count] of Object.entries(report.faults)) {
    if (!/answered correctly/.test(kind)) out.push(`  ${number(count).padStart(9)}  ${kind}`);
  }
  out.push('', 'tcp-server "Connection closed" reasons');
  for (const [reason, count] of Object.entries(report.closeReasons)) {
    out.push(`  ${number(count).padStart(9)}  ${reason}`);
  }
  out.push('', 'server RSS (MiB)');
  for (const [app, rss] of Object.entries(report.rss)) {
    out.push(`  ${app}  peak ${rss.peakMiB}  final ${rss.finalMiB}  (bound ${rss.boundMiB})`);
  }
  out.push('', "the soak's own event-loop delay (the load generator's lateness, not the server's)");
  for (const loop of report.loopDelay) {
    out.push(
      `  ${loop.thread.padEnd(8)}  late ${String(Math.round(loop.lateShare * 1000) / 10).padStart(5)}% of the run,` +
        `  p50 ${loop.p50Ms} ms  p99 ${loop.p99Ms} ms  max ${loop.maxMs} ms`,
    );
  }
  out.push('', 'checks');
  for (const check of report.checks) {
    out.push(`  ${check.ok ? 'ok  ' : 'FAIL'}  ${check.name}: ${check.detail}`);
  }
  if (report.failures.count > 0) {
    out.push(
      '',
      `broken promises (${report.failures.count}; the first ${report.failures.examples.length}):`,
    );
    for (const example of report.failures.examples) out.push(`  ${example}`);
  }
  out.push('', report.ok ? 'soak passed' : 'soak FAILED');
  return out.join('\n');
}
