import { runCli } from '@netlab/cli';
import { version } from '../package.json';
import { FOOTER, SERVER_CHECK_FLAGS, SUMMARY } from './flags';
import { formatReport } from './report';
import { runChecks } from './run-checks';

runCli({
  name: 'server-check',
  version,
  summary: SUMMARY,
  footer: FOOTER,
  flags: SERVER_CHECK_FLAGS,
  async run(options) {
    const report = await runChecks({
      host: options.host,
      port: options.port,
      service: options.service,
      timeoutMs: options.timeout,
    });
    process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatReport(report));
    return report.failed === 0 ? 0 : 1;
  },
});
