import { CheckFailure } from './check-failure';
import type { Check, CheckContext, Service } from './checks/check';
import { TCP_CHECKS } from './checks/tcp-checks';
import { UDP_CHECKS } from './checks/udp-checks';
import type { CheckResult, Report } from './report';
import { FIRST_CONNECT, TcpProbe } from './tcp-probe';
import { UdpProbe } from './udp-probe';

/** Every check there is, in the order they run. */
export const ALL_CHECKS: readonly Check[] = [...TCP_CHECKS, ...UDP_CHECKS];

export interface Target {
  host: string;
  port: number;
  service: Service;
  timeoutMs: number;
}

/** Runs every check that applies to the service, one after another, each with fresh sockets. */
export async function runChecks(target: Target): Promise<Report> {
  const checks = ALL_CHECKS.filter((check) => check.services.includes(target.service));
  const results: CheckResult[] = [];
  let connected = false;
  for (const check of checks) {
    const result = await runCheck(check, target);
    if (result.sent === FIRST_CONNECT && result.got?.startsWith('could not connect') && connected) {
      result.got += ' (it took connections before: the server went down during an earlier check)';
    }
    // A check that passed or got a reply had a connection (or an answer) from the server.
    if (result.passed || !result.got?.startsWith('could not connect')) connected = true;
    results.push(result);
  }
  const passed = results.filter((result) => result.passed).length;
  return {
    server: { host: target.host, port: target.port, service: target.service },
    passed,
    failed: results.length - passed,
    checks: results,
  };
}

async function runCheck(check: Check, target: Target): Promise<CheckResult> {
  const opened: { close(graceMs: number): Promise<void> | void }[] = [];
  const context: CheckContext = {
    ...target,
    tcp(sent) {
      const connecting = TcpProbe.connect(target.host, target.port, target.timeoutMs, sent);
      // Registered before it connects: a check that fails meanwhile still closes it.
      opened.push({
        close: (graceMs) =>
          connecting.then(
            (probe) => probe.close(graceMs),
            () => undefined,
          ),
      });
      return connecting;
    },
    async udp() {
      const probe = await UdpProbe.open(target.host, target.port);
      opened.push(probe);
      return probe;
    },
  };
  const base = { id: check.id, title: check.title };
  try {
    await check.run(context);
    return { ...base, passed: true };
  } catch (error) {
    if (error instanceof CheckFailure) {
      return { ...base, passed: false, sent: error.sent, expected: error.expected, got: error.got };
    }
    throw error;
  } finally {
    await Promise.all(opened.map((probe) => probe.close(target.timeoutMs)));
  }
}
