/**
 * The soak run (issue 7): the built tcp-server and udp-server under hundreds of clients of
 * mixed behaviour, through the fault proxies, for a while; then the checks.
 *
 *   npx nx run soak:soak                     # 60 s, as CI runs it (builds the servers first)
 *   npx nx run soak:soak -- --duration 600   # ten minutes
 *
 * Bundled into dist/tools/soak/, three levels below the workspace root as app-harness's own
 * source is, so the harness finds dist/apps/ from there. Exit 0 when every check holds,
 * 1 when one fails, 2 for a bad flag.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { WORKSPACE_ROOT } from '@netlab-tools/app-harness';
import { USAGE, parseSoakArgs } from './options';
import { formatReport } from './report';
import { serveShardIfWorker } from './shard';
import { runSoak } from './soak';

async function main(): Promise<number> {
  const parsed = parseSoakArgs(process.argv.slice(2));
  if (parsed.kind === 'help') {
    console.log(USAGE);
    return 0;
  }
  if (parsed.kind === 'error') {
    console.error(`soak: ${parsed.message} (see --help)`);
    return 2;
  }
  const report = await runSoak(parsed.options, (line) => console.log(`soak: ${line}`));
  console.log(`\n${formatReport(report)}`);
  const jsonFile = path.resolve(WORKSPACE_ROOT, parsed.options.jsonFile);
  mkdirSync(path.dirname(jsonFile), { recursive: true });
  writeFileSync(jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`figures: ${path.relative(WORKSPACE_ROOT, jsonFile)}`);
  return report.ok ? 0 : 1;
}

// The same bundle runs the shards' threads (see runShardInWorker).
if (!serveShardIfWorker()) {
  main().then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      console.error('soak: the run itself failed:', error);
      process.exitCode = 1;
    },
  );
}
