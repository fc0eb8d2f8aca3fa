import {
  runCleanups,
  runToEnd,
  startPythonServer,
  startServer,
  WORKSPACE_ROOT,
} from '@netlab-tools/app-harness';
import path from 'node:path';
import { reportSchema, type Report } from '../src/report';
import { ALL_CHECKS } from '../src/run-checks';

// A grader run waits up to its timeout (2 s) for each reply a broken server never sends.
jest.setTimeout(120_000);
afterEach(runCleanups);

const GRADER = path.join(WORKSPACE_ROOT, 'dist/apps/server-check/main.js');

function grade(args: readonly string[]) {
  return runToEnd(process.execPath, [GRADER, ...args]);
}

/** Runs the grader with --json and returns the report, validated against its schema. */
async function gradeJson(
  port: number,
  service: string,
): Promise<{ code: number | null; report: Report }> {
  const result = await grade(['--port', String(port), '--service', service, '--json']);
  expect(result.stderr).toBe('');
  return { code: result.code, report: reportSchema.parse(JSON.parse(result.stdout)) };
}

const failed = (report: Report): string[] =>
  report.checks.filter((check) => !check.passed).map((check) => check.id);

const idsFor = (service: string): string[] =>
  ALL_CHECKS.filter((check) => (check.services as readonly string[]).includes(service)).map(
    (check) => check.id,
  );

describe("server-check against netlab's servers (built apps)", () => {
  it.each(['task', 'uppercase'])(
    'passes every check of the %s service over TCP, exit 0',
    async (service) => {
      const server = await startServer('tcp-server', ['--host', '127.0.0.1', '--service', service]);
      const { code, report } = await gradeJson(server.port, service);
      expect(report.checks.map((check) => check.id)).toEqual(idsFor(service));
      expect(failed(report)).toEqual([]);
      expect(report).toMatchObject({ passed: idsFor(service).length, failed: 0 });
      expect(code).toBe(0);
    },
  );

  it('passes every check of the uppercase service over UDP, exit 0', async () => {
    const server = await startServer('udp-server', ['--host', '127.0.0.1']);
    const { code, report } = await gradeJson(server.port, 'udp');
    expect(report.checks.map((check) => check.id)).toEqual(idsFor('udp'));
    expect(failed(report)).toEqual([]);
    expect(code).toBe(0);
  });

  it('prints a readable report: a line per check, then the count', async () => {
    const server = await startServer('tcp-server', ['--host', '127.0.0.1']);
    const result = await grade(['--port', String(server.port)]);
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`server-check: the task service over TCP at 127.0.0.1:${server.port}`);
    for (const id of idsFor('task'))
      expect(result.stdout).toMatch(new RegExp(`^PASS  ${id} +\\S`, 'm'));
    expect(lines.at(-1)).toBe(`All ${idsFor('task').length} checks passed.`);
  });
});

describe('server-check against the textbook programs of docs/textbook', () => {
  // The failures docs/guide.md describes for them ("Textbook vs netlab"), and only those.
  it('reports the textbook TCP server failing exactly the checks the guide describes, with sent, expected and got', async () => {
    const textbook = await startPythonServer('docs/textbook/tcp_server.py', 'tcp');
    const { code, report } = await gradeJson(textbook.port, 'task');
    expect(failed(report)).toEqual([
      'utf8-bytes',
      'joined-lines',
      'split-line',
      'long-line',
      'very-long-line',
      'many-clients',
      'slow-client',
      'never-reads',
      'invalid-utf8',
    ]);
    expect(report.checks.find((check) => check.id === 'utf8-bytes')).toEqual({
      id: 'utf8-bytes',
      title: expect.any(String),
      passed: false,
      sent: '"héllo\\n"',
      expected: '"Your data was 6 bytes"',
      got: '"Your data was 5 bytes"',
    });
    expect(report.checks.find((check) => check.id === 'joined-lines')?.got).toBe(
      '"Your data was 8 bytes"',
    );
    expect(code).toBe(1);
  });

  it('reports the textbook UDP server failing the largest datagram, amplification and invalid UTF-8', async () => {
    const textbook = await startPythonServer('docs/textbook/udp_server.py', 'udp');
    const { code, report } = await gradeJson(textbook.port, 'udp');
    expect(failed(report)).toEqual(['udp-largest', 'udp-no-amplification', 'udp-invalid-utf8']);
    expect(report.checks.find((check) => check.id === 'udp-no-amplification')).toMatchObject({
      sent: '"ΐ" (2 bytes)',
      // Python's upper() and JavaScript's toUpperCase() agree: three code points, 6 bytes.
      got: `${JSON.stringify('ΐ'.toUpperCase())} (6 bytes)`,
    });
    expect(code).toBe(1);
  });
});

describe('server-check against deliberately broken servers (test/fixtures, one flaw each)', () => {
  const fixture = (name: string) => `apps/server-check/test/fixtures/${name}`;

  it.each([
    ['none', []],
    ['spaces-not-counted', ['transcript']],
    ['history-newest-first', ['history']],
    ['exit-stays-open', ['exit']],
    ['eof-drops-last-line', ['half-close']],
    ['counts-characters', ['utf8-bytes']],
    ['first-line-per-read', ['joined-lines']],
    ['one-byte-reads-ignored', ['split-line']],
    ['max-line-2048', ['long-line']],
    ['huge-line-dropped', ['very-long-line']],
    ['five-clients-at-most', ['many-clients']],
    ['first-line-blocks-others', ['slow-client']],
    ['one-send-lock', ['never-reads']],
    ['strict-utf8-crash', ['invalid-utf8']],
  ])('a TCP task server with the flaw %s fails %j and nothing else', async (flaw, expected) => {
    const server = await startPythonServer(fixture('tcp_task_server.py'), 'tcp', [flaw]);
    const { code, report } = await gradeJson(server.port, 'task');
    expect(failed(report)).toEqual(expected);
    expect(code).toBe(expected.length === 0 ? 0 : 1);
  });

  it.each([
    ['none', []],
    ['short-datagrams-echoed', ['udp-transcript']],
    ['ascii-only-upper', ['udp-utf8']],
    ['ignores-empty', ['udp-empty']],
    ['reply-to-latest-sender', ['udp-many-clients']],
    ['recv-2048', ['udp-largest']],
    ['full-upper', ['udp-no-amplification']],
    ['strict-utf8-crash', ['udp-invalid-utf8']],
  ])(
    'a UDP uppercase server with the flaw %s fails %j and nothing else',
    async (flaw, expected) => {
      const server = await startPythonServer(fixture('udp_uppercase_server.py'), 'udp', [flaw]);
      const { code, report } = await gradeJson(server.port, 'udp');
      expect(failed(report)).toEqual(expected);
      expect(code).toBe(expected.length === 0 ? 0 : 1);
    },
  );

  it('has a broken server for every check', () => {
    // Kept in step by hand with the tables above: a new check needs a flaw of its own.
    expect(ALL_CHECKS.map((check) => check.id).sort()).toEqual(
      [
        'transcript',
        'history',
        'exit',
        'half-close',
        'utf8-bytes',
        'joined-lines',
        'split-line',
        'long-line',
        'very-long-line',
        'many-clients',
        'slow-client',
        'never-reads',
        'invalid-utf8',
        'udp-transcript',
        'udp-utf8',
        'udp-empty',
        'udp-many-clients',
        'udp-largest',
        'udp-no-amplification',
        'udp-invalid-utf8',
      ].sort(),
    );
  });
});

describe('server-check usage', () => {
  it.each([
    [['--service', 'ftp'], /--service must be one of task, uppercase, udp/],
    [['--port', '0'], /--port must be an integer from 1 to 65535/],
    [['--bogus'], /bogus/],
  ])('refuses %j with one line on stderr and exit 2', async (args, message) => {
    const result = await grade(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
