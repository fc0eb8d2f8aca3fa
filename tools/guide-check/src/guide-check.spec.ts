import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { runCleanups, WORKSPACE_ROOT } from '@netlab-tools/app-harness';
import { GuideFormatError, neededStarts, readGuideBlocks } from './guide-blocks';
import { freePorts, GUIDE_PORTS, substitute, substitutePattern, withoutNx } from './guide-commands';
import { linkProblem, relativeLinks } from './guide-links';
import { ShellProcess } from './shell-process';

afterEach(runCleanups);

const fence = (command: string, comment?: string): string =>
  `${comment === undefined ? '' : `<!-- check ${comment} -->\n\n`}\`\`\`sh\n${command}\n\`\`\`\n`;

describe('readGuideBlocks', () => {
  it('reads each shell block with the check written above it, and its line', () => {
    const markdown = [
      '# Guide',
      '',
      fence('npx nx serve udp-server -- --port 12000', 'start id="udp" wait="Listening at"'),
      fence(
        "printf 'hello' | nc -u -w1 127.0.0.1 12000",
        'run needs="udp" expect="HELLO" absent="hello" poll',
      ),
      fence('npm ci', 'skip reason="installs packages"'),
    ].join('\n');
    expect(readGuideBlocks(markdown)).toEqual([
      expect.objectContaining({
        line: 5,
        kind: 'start',
        command: 'npx nx serve udp-server -- --port 12000',
        check: expect.objectContaining({ id: 'udp', wait: 'Listening at', needs: [] }),
      }),
      expect.objectContaining({
        line: 11,
        kind: 'run',
        check: expect.objectContaining({
          needs: ['udp'],
          expect: ['HELLO'],
          absent: ['hello'],
          poll: true,
          exit: 0,
        }),
      }),
      expect.objectContaining({
        kind: 'skip',
        check: expect.objectContaining({ reason: 'installs packages' }),
      }),
    ]);
  });

  it('reads \\" as a quote and \\n as a newline in text, and a regular expression as written', () => {
    const [block] = readGuideBlocks(
      fence(
        'x',
        'run input="Hi\\nExit\\n" logs="\\"reason\\":\\"exit\\"" matches="^\\d+\\n\\.$" exit="1"',
      ),
    );
    expect(block.check).toMatchObject({
      input: 'Hi\nExit\n',
      logs: ['"reason":"exit"'],
      matches: ['^\\d+\\n\\.$'],
      exit: 1,
    });
  });

  it('leaves other fenced blocks (text, mermaid) alone', () => {
    expect(readGuideBlocks('```text\n$ nc\n```\n\n```mermaid\nsequenceDiagram\n```\n')).toEqual([]);
  });

  it.each([
    [
      'a shell block without a check',
      fence('nc -u 127.0.0.1 12000'),
      /line 1: .*needs a <!-- check/,
    ],
    ['a bash block without a check', '```bash\nls\n```\n', /line 1: a ```bash block needs/],
    ['an unknown kind', fence('ls', 'maybe'), /one of start, run, skip/],
    ['an unknown attribute', fence('ls', 'run expects="x"'), /unknown check attribute "expects"/],
    ['a start block without an id', fence('ls', 'start wait="x"'), /a start block needs an id/],
    ['a skip without a reason', fence('ls', 'skip'), /a skip block needs a reason/],
    [
      'a need no start block meets',
      fence('ls', 'run needs="server"'),
      /needs "server", which no start block is/,
    ],
    [
      'an id used twice',
      fence('a', 'start id="s"') + fence('b', 'start id="s"'),
      /id "s" is already used/,
    ],
    ['a pattern that is not one', fence('ls', 'run matches="(("'), /not a regular expression/],
    ['a flag given a value', fence('ls', 'run poll="yes"'), /poll takes no value/],
  ])('refuses %s, naming the line', (_, markdown, message) => {
    expect(() => readGuideBlocks(markdown)).toThrow(GuideFormatError);
    expect(() => readGuideBlocks(markdown)).toThrow(message);
  });
});

describe('neededStarts', () => {
  const blocks = readGuideBlocks(
    [
      fence('server', 'start id="server"'),
      fence('proxy', 'start id="proxy" needs="server"'),
      fence('client', 'start id="client" needs="server"'),
      fence('ss', 'run needs="proxy client"'),
    ].join('\n'),
  );

  it('starts each program once, after what it needs', () => {
    expect(neededStarts(blocks[3], blocks).map((block) => block.check.id)).toEqual([
      'server',
      'proxy',
      'client',
    ]);
  });

  it('refuses a program that needs itself', () => {
    const loop = readGuideBlocks(
      fence('a', 'start id="a" needs="b"') +
        fence('b', 'start id="b" needs="a"') +
        fence('c', 'run needs="a"'),
    );
    expect(() => neededStarts(loop[2], loop)).toThrow(/needs itself/);
  });
});

describe('the guide commands, made safe to run beside anything', () => {
  const placeholders = {
    ports: new Map(GUIDE_PORTS.map((port, i) => [port, 40000 + i] as const)),
    socketPath: '/tmp/netlab-x1/netlab.sock',
  };

  it("replaces the guide's ports and socket path, and no other number", () => {
    expect(
      substitute(
        'nc -N 127.0.0.1 1060; nc -U /tmp/netlab.sock; --listen 12001 --target [::1]:12000 110600 31060 1.1060',
        placeholders,
      ),
    ).toBe(
      'nc -N 127.0.0.1 40000; nc -U /tmp/netlab-x1/netlab.sock; --listen 40004 --target [::1]:40003 110600 31060 1.1060',
    );
  });

  it('escapes the socket path where it goes into a regular expression', () => {
    expect(substitutePattern('^s.* /tmp/netlab.sock$', placeholders)).toBe(
      '^s.* /tmp/netlab-x1/netlab\\.sock$',
    );
  });

  it('runs `npx nx serve` as the built program the serve target runs, flags kept', () => {
    expect(withoutNx('npx nx serve udp-server -- --port 0 | npx pino-pretty', WORKSPACE_ROOT)).toBe(
      'node dist/apps/udp-server/main.js --port 0 | npx pino-pretty',
    );
    // The clients' serve target builds first (`nx build … && node …`): only the program is kept.
    expect(withoutNx('npx nx serve tcp-client -- --port 1060', WORKSPACE_ROOT)).toBe(
      'node dist/apps/tcp-client/main.js --port 1060',
    );
    expect(withoutNx('npx nx serve tcp-fault-proxy -- --split 1', WORKSPACE_ROOT)).toBe(
      'node dist/tools/tcp-fault-proxy/main.js --split 1',
    );
  });

  it('refuses `npx nx serve` of a project that does not exist', () => {
    expect(() => withoutNx('npx nx serve udp-servre', WORKSPACE_ROOT)).toThrow(
      /no project "udp-servre"/,
    );
  });

  it('finds distinct ports free for TCP and UDP', async () => {
    const ports = await freePorts(GUIDE_PORTS.length);
    expect(new Set(ports).size).toBe(GUIDE_PORTS.length);
    for (const port of ports) expect(port).toBeGreaterThan(0);
  });
});

describe('ShellProcess', () => {
  it('stops every program of a pipeline with one Ctrl+C to its process group', async () => {
    const shell = ShellProcess.start('echo started; sleep 30 | cat', { cwd: WORKSPACE_ROOT });
    await shell.waitForOutput((output) => output.includes('started'), '"started"', 5_000);
    expect(await shell.stop()).toEqual({ code: null, signal: 'SIGINT' });
  });

  it('keeps stdout and stderr in one output, and the exit status', async () => {
    const shell = ShellProcess.start('echo out; echo err >&2; exit 3', { cwd: WORKSPACE_ROOT });
    expect(await shell.finish(5_000)).toEqual({ code: 3, signal: null });
    expect(shell.output).toBe('out\nerr\n');
  });
});

describe('docs/guide.md', () => {
  const guide = readFileSync(path.join(WORKSPACE_ROOT, 'docs/guide.md'), 'utf8');

  it('has a check above every command, and most of them run', () => {
    const blocks = readGuideBlocks(guide);
    expect(blocks.filter((block) => block.kind === 'run').length).toBeGreaterThan(30);
    expect(blocks.filter((block) => block.kind === 'skip')).toHaveLength(1);
  });

  it('runs Nx itself for at least one command, so `npx nx serve` is checked as typed', () => {
    expect(readGuideBlocks(guide).some((block) => block.check.asWritten)).toBe(true);
  });

  it('links only files that exist, and each function it names is in the file it links', () => {
    const links = relativeLinks(guide);
    expect(links.length).toBeGreaterThan(30);
    const problems = links
      .map((link) => linkProblem(link, path.join(WORKSPACE_ROOT, 'docs')))
      .filter(Boolean);
    expect(problems).toEqual([]);
  });

  it('runs every textbook program in a checked command', () => {
    const commands = readGuideBlocks(guide)
      .filter((block) => block.kind !== 'skip')
      .map((block) => block.command)
      .join('\n');
    for (const program of readdirSync(path.join(WORKSPACE_ROOT, 'docs/textbook'))) {
      expect(commands).toContain(`docs/textbook/${program}`);
    }
  });

  it('is linked from the top of the README', () => {
    const readme = readFileSync(path.join(WORKSPACE_ROOT, 'README.md'), 'utf8');
    const firstSection = readme.slice(0, readme.indexOf('\n## '));
    expect(firstSection).toContain('](docs/guide.md)');
  });
});

describe('linkProblem', () => {
  const docs = path.join(WORKSPACE_ROOT, 'docs');
  const link = (text: string, target: string) => ({ line: 7, text, target });

  it('accepts a function that is in the linked file', () => {
    expect(
      linkProblem(link('`createUdpClient`', '../packages/udp-transport/src/udp-client.ts'), docs),
    ).toBeUndefined();
    expect(
      linkProblem(
        link('`ServerConnection.#onData`', '../packages/tcp-transport/src/server-connection.ts'),
        docs,
      ),
    ).toBeUndefined();
  });

  it('names a missing file, and a function the file does not have', () => {
    expect(linkProblem(link('x', '../packages/nope.ts'), docs)).toBe(
      'line 7: ../packages/nope.ts does not exist',
    );
    expect(
      linkProblem(link('`createUdpClient`', '../packages/udp-transport/src/udp-server.ts'), docs),
    ).toBe(
      'line 7: ../packages/udp-transport/src/udp-server.ts has no "createUdpClient" (the link names `createUdpClient`)',
    );
  });
});
