// zod/mini: the schema is the report's contract (tests validate --json with it), and the
// bundle carries only the checks it uses.
import * as z from 'zod/mini';
import { SERVICES } from './checks/check';

/** One check's result; a failed one says what was sent, what was expected, what came back. */
export const checkResultSchema = z.object({
  id: z.string(),
  title: z.string(),
  passed: z.boolean(),
  sent: z.optional(z.string()),
  expected: z.optional(z.string()),
  got: z.optional(z.string()),
});
export type CheckResult = z.infer<typeof checkResultSchema>;

/** What `server-check --json` prints: one JSON object. */
export const reportSchema = z.object({
  server: z.object({
    host: z.string(),
    port: z.number(),
    service: z.enum(SERVICES),
  }),
  passed: z.number(),
  failed: z.number(),
  checks: z.array(checkResultSchema),
});
export type Report = z.infer<typeof reportSchema>;

/** The report for a person: a line per check, and under each failure what was sent, expected and got. */
export function formatReport(report: Report): string {
  const { host, port, service } = report.server;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const transport =
    service === 'udp' ? 'the uppercase service over UDP' : `the ${service} service over TCP`;
  const width = Math.max(...report.checks.map((check) => check.id.length));
  const lines = [`server-check: ${transport} at ${where}`, ''];
  for (const check of report.checks) {
    lines.push(`${check.passed ? 'PASS' : 'FAIL'}  ${check.id.padEnd(width)}  ${check.title}`);
    if (!check.passed) {
      const indent = ' '.repeat(width + 8);
      lines.push(`${indent}sent:     ${check.sent ?? ''}`);
      lines.push(`${indent}expected: ${check.expected ?? ''}`);
      lines.push(`${indent}got:      ${check.got ?? ''}`);
    }
  }
  const total = report.checks.length;
  lines.push(
    '',
    report.failed === 0
      ? `All ${total} checks passed.`
      : `${report.passed} of ${total} checks passed, ${report.failed} failed.`,
  );
  return `${lines.join('\n')}\n`;
}
