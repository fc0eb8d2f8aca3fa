import { copyFile, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { undocumentedExports } from './api-docs';
import {
  PACKAGES,
  TSC,
  WORKSPACE,
  createConsumerProject,
  packBuiltPackage,
  readProjectFile,
  run,
  testedExamples,
  type ConsumerProject,
  type PackedPackage,
} from './consumer-project';

// What a team outside netlab does: `npm install` the published tarballs into an empty project
// and build a service of its own on them, in plain Node, with nothing from this workspace.
// The packages are packed from their build output (dist/packages/<name>), as they would be
// published; the test target depends on the three builds.

// The workspace's @types/node for the consumer's tsc: the consumer installs nothing but the tarballs
// (and pino); a real one would have @types/node among its own devDependencies.
const WORKSPACE_TYPE_ROOT = path.join(WORKSPACE, 'node_modules/@types');
const EXAMPLES = {
  protocol: ['protocol-tour.mjs'],
  'transport-core': [],
  'udp-transport': ['what-time.cjs', 'hit-counter.cjs'],
  'tcp-transport': [
    'reverse-line.mjs',
    'task-server.mjs',
    'reconnecting-client.mjs',
    'kv-store.mjs',
  ],
};

let tarballDir: string;
let packed: Map<string, PackedPackage>;
let project: ConsumerProject;

beforeAll(async () => {
  tarballDir = await mkdtemp(path.join(tmpdir(), 'netlab-tarballs-'));
  packed = new Map();
  for (const name of PACKAGES) packed.set(name, await packBuiltPackage(name, tarballDir));
  // pino is what a user brings for logs (no package declares it); `type: module` makes consumer.ts ESM.
  project = await createConsumerProject(
    [...[...packed.values()].map((p) => p.tarball), 'pino@^10'],
    { type: 'module' },
  );
}, 120_000);

afterAll(async () => {
  await project?.remove();
  if (tarballDir) await rm(tarballDir, { recursive: true, force: true });
});

function runNode(file: string) {
  return run(process.execPath, [file], { cwd: project.dir, timeoutMs: 60_000 });
}

describe('the tarballs', () => {
  it.each(PACKAGES)(
    '@netlab/%s holds its compiled code and types, README, CHANGELOG, LICENSE and package.json only',
    (name) => {
      const { files } = packed.get(name)!;
      const unexpected = files.filter(
        (file) =>
          !/^(package\.json|README\.md|CHANGELOG\.md|LICENSE|src\/[a-z0-9-]+\.(js|d\.ts))$/.test(
            file,
          ),
      );
      expect(unexpected).toEqual([]);
      expect(files).toEqual(
        expect.arrayContaining(['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE']),
      );
      expect(files).toEqual(expect.arrayContaining(['src/index.js', 'src/index.d.ts']));
      // Test code, test support and benchmarks never ship.
      expect(files.filter((file) => /spec|test|bench/.test(file))).toEqual([]);
    },
  );
});

describe('what the tarballs ship', () => {
  it.each(PACKAGES)(
    '@netlab/%s has no sourceMappingURL pointing at a file it does not ship',
    async (name) => {
      const { files } = packed.get(name)!;
      const dir = path.join(project.dir, 'node_modules/@netlab', name);
      const dangling: string[] = [];
      for (const file of files.filter((f) => f.endsWith('.js') || f.endsWith('.d.ts'))) {
        const text = await readFile(path.join(dir, file), 'utf8');
        for (const [, url] of text.matchAll(/^\/\/# sourceMappingURL=(\S+)$/gm)) {
          const target = path.posix.join(path.posix.dirname(file), url);
          if (!files.includes(target)) dangling.push(`${file} -> ${url}`);
        }
      }
      expect(dangling).toEqual([]);
    },
  );

  it.each(PACKAGES)('@netlab/%s has no zod type in its public declarations', async (name) => {
    const { files } = packed.get(name)!;
    const dir = path.join(project.dir, 'node_modules/@netlab', name);
    const declarations = files.filter((file) => file.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(0);
    const naming: string[] = [];
    for (const file of declarations) {
      const text = await readFile(path.join(dir, file), 'utf8');
      if (/["']zod(\/[^"']*)?["']/.test(text)) naming.push(file);
    }
    expect(naming).toEqual([]);
  });

  it('decodes envelopes (every datagram of udp-transport) without zod: envelope.js requires only its errors', async () => {
    const envelope = await readProjectFile(
      project,
      'node_modules/@netlab/protocol/src/envelope.js',
    );
    expect([...envelope.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1])).toEqual(['./errors']);
  });

  it.each(PACKAGES)(
    "@netlab/%s's README names the tarballs npm pack makes, for installing before it is published",
    async (name) => {
      const readme = await readFile(path.join(WORKSPACE, 'packages', name, 'README.md'), 'utf8');
      const named = [...readme.matchAll(/\/tmp\/netlab\/(netlab-[a-z-]+-[0-9.]+\.tgz)/g)].map(
        (m) => m[1],
      );
      const made = [...packed.values()].map((p) => path.basename(p.tarball));
      expect(named).toContain(path.basename(packed.get(name)!.tarball));
      for (const tarball of named) expect(made).toContain(tarball);
      expect(readme).toContain('npm pack ./dist/packages/* --pack-destination /tmp/netlab');
    },
  );
});

describe('installing the tarballs into an empty project', () => {
  it('is done outside the workspace', () => {
    expect(path.relative(WORKSPACE, project.dir).startsWith('..')).toBe(true);
  });

  it('gives each transport the packed @netlab/protocol and @netlab/transport-core, installed once, not the workspace copies', async () => {
    const script = `
      const { createRequire } = require('node:module');
      for (const name of ['@netlab/udp-transport', '@netlab/tcp-transport']) {
        const fromTransport = createRequire(require.resolve(name));
        console.log(fromTransport.resolve('@netlab/protocol'));
        console.log(fromTransport.resolve('@netlab/transport-core'));
      }`;
    const result = await run(process.execPath, ['-e', script], { cwd: project.dir });
    expect(result.stderr).toBe('');
    const protocol = path.join(project.dir, 'node_modules/@netlab/protocol/src/index.js');
    const core = path.join(project.dir, 'node_modules/@netlab/transport-core/src/index.js');
    expect(result.stdout.trim().split('\n')).toEqual([protocol, core, protocol, core]);
    const lock = JSON.parse(await readProjectFile(project, 'package-lock.json'));
    const installed = Object.keys(lock.packages).filter((key) => key.includes('@netlab/'));
    expect(installed.sort()).toEqual([
      'node_modules/@netlab/protocol',
      'node_modules/@netlab/tcp-transport',
      'node_modules/@netlab/transport-core',
      'node_modules/@netlab/udp-transport',
    ]);
  });

  it('pulls in only the declared dependencies: zod for protocol, nothing for transport-core, pino because the user asked', async () => {
    const lock = JSON.parse(await readProjectFile(project, 'package-lock.json'));
    const top = Object.keys(lock.packages)
      .filter((key) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(key))
      .map((key) => key.slice('node_modules/'.length));
    expect(top).toContain('zod');
    expect(top).toContain('pino');
    const ours = (name: string) => lock.packages[`node_modules/@netlab/${name}`];
    expect(ours('protocol').dependencies).toEqual({ zod: expect.any(String) });
    expect(ours('transport-core').dependencies).toBeUndefined();
    const transportDependencies = {
      '@netlab/protocol': `^${packed.get('protocol')!.version}`,
      '@netlab/transport-core': `^${packed.get('transport-core')!.version}`,
    };
    expect(ours('tcp-transport').dependencies).toEqual(transportDependencies);
    expect(ours('udp-transport').dependencies).toEqual(transportDependencies);
    // The Logger is a structural type: no package declares pino, not even as an optional peer.
    for (const name of PACKAGES) {
      expect(ours(name).peerDependencies).toBeUndefined();
      expect(ours(name).optionalDependencies).toBeUndefined();
    }
  });

  it('ships no path into the workspace', async () => {
    for (const name of PACKAGES) {
      const dir = path.join(project.dir, 'node_modules/@netlab', name, 'src');
      for (const file of await readdir(dir)) {
        expect(await readFile(path.join(dir, file), 'utf8')).not.toContain(WORKSPACE);
      }
    }
  });
});

describe('the runnable examples in the shipped READMEs, run with plain node', () => {
  let examples: Map<string, string>;

  beforeAll(async () => {
    examples = new Map();
    for (const name of PACKAGES) {
      const readme = await readProjectFile(project, `node_modules/@netlab/${name}/README.md`);
      for (const [file, code] of testedExamples(readme)) {
        examples.set(`${name}/${file}`, code);
        await writeFile(path.join(project.dir, file), code);
      }
    }
  });

  it('are the ones each README promises', () => {
    const promised = Object.entries(EXAMPLES).flatMap(([name, files]) =>
      files.map((file) => `${name}/${file}`),
    );
    expect([...examples.keys()].sort()).toEqual(promised.sort());
  });

  it('reverse-line.mjs: a length-prefixed "reverse the line" TCP service answers every frame and logs nothing', async () => {
    const result = await runNode('reverse-line.mjs');
    expect(result).toEqual({
      code: 0,
      stdout: [
        'hello -> olleh',
        'héllo wörld -> dlröw olléh',
        'bye -> bye',
        'connection ended by the server: true',
        '',
      ].join('\n'),
      stderr: '', // no logger given: the packages are silent
    });
  });

  it('reconnecting-client.mjs: a client carries on across its server closed and started again on the same port', async () => {
    const result = await runNode('reconnecting-client.mjs');
    expect(result).toEqual({
      code: 0,
      stdout: [
        '[connected]',
        'Your data was 2 bytes',
        '[lost]',
        '[reconnected]',
        'History: []',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it('kv-store.mjs: a key-value service over an asynchronous store answers pipelined requests in order, and a rejected one with the error line', async () => {
    const result = await runNode('kv-store.mjs');
    expect(result).toEqual({
      code: 0,
      stdout: [
        'SET slow turtle -> OK',
        'SET fast hare -> OK',
        'GET slow -> turtle',
        'GET fast -> hare',
        'GET nothing -> (nil)',
        'FLY away -> Error: internal server error',
        'connection ended by the server: true',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it('hit-counter.cjs: a UDP handler that awaits its store answers, and one that rejects gets no reply', async () => {
    const result = await runNode('hit-counter.cjs');
    expect(result).toEqual({
      code: 0,
      stdout: ['page-a -> 1', 'page-b -> 1', 'page-a -> 2', '(empty) -> UDP_TIMEOUT', ''].join(
        '\n',
      ),
      stderr: '',
    });
  });

  it('task-server.mjs: the task session over lines answers, then refuses a line over the limit', async () => {
    const result = await runNode('task-server.mjs');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout.split('\n')).toEqual([
      expect.stringMatching(/^try: nc 127\.0\.0\.1 \d+$/),
      'Your data was 2 bytes',
      'Your data was 18 bytes',
      'History: ["Hi","Testing Connection"]',
      'Error: line too long (limit 1024 bytes)',
      '',
    ]);
  });

  it('what-time.cjs: a UDP "what time is it" service tells the time, times out a question it ignores, and logs through the injected pino', async () => {
    const before = Date.now();
    const result = await runNode('what-time.cjs');
    expect(result.code).toBe(0);
    const [time, timeout, rest] = result.stdout.split('\n');
    expect(rest).toBe('');
    const hhmmss = /^what time is it\? -> (\d\d):(\d\d):(\d\d) UTC$/.exec(time);
    expect(hhmmss).not.toBeNull();
    const told = Number(hhmmss![1]) * 3600 + Number(hhmmss![2]) * 60 + Number(hhmmss![3]);
    const now = Math.floor(before / 1000) % 86_400; // seconds into the UTC day
    const off = Math.abs(told - now);
    expect(Math.min(off, 86_400 - off)).toBeLessThan(60); // the same clock, across midnight too
    const logs = result.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const listening = logs.find((entry) => entry.msg === 'Listening at');
    expect(listening).toMatchObject({ transport: 'udp', address: '127.0.0.1' });
    expect(timeout).toBe(
      `how are you? -> UDP_TIMEOUT: No reply from 127.0.0.1:${listening!.port} after 2 tries`,
    );
    expect(logs.map((entry) => entry.msg)).toEqual([
      'Listening at',
      'Received message from client', // what time is it?
      'Received message from client', // how are you?
      'Received message from client', // how are you?, the retry
      'Server closed',
    ]);
  });

  it('what-time.cjs without its logger line: the UDP service and client write nothing of their own', async () => {
    const code = examples.get('udp-transport/what-time.cjs')!;
    const silent = code.replace(/^ {2}logger,\n/m, '');
    expect(silent).not.toBe(code);
    await writeFile(path.join(project.dir, 'what-time-silent.cjs'), silent);
    const result = await runNode('what-time-silent.cjs');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(
      /^what time is it\? -> \d\d:\d\d:\d\d UTC\nhow are you\? -> UDP_TIMEOUT: No reply from 127\.0\.0\.1:\d+ after 2 tries\n$/,
    );
  });

  it('protocol-tour.mjs: framing, sessions and envelopes work on their own', async () => {
    const result = await runNode('protocol-tour.mjs');
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n')).toEqual([
      JSON.stringify(
        'Your data was 18 bytes\nYour data was 6 bytes\nHistory: ["Testing Connection","héllo"]\n',
      ),
      "[ 'Testing Connection', 'héllo' ]",
      "{ reply: 'Disconnect', close: true }",
      'true false',
      '7 STRASSE 7 7',
      "PROTOCOL_LINE_TOO_LONG [ 'ok' ]",
      '',
    ]);
  });
});

describe('a TypeScript consumer', () => {
  beforeAll(async () => {
    await copyFile(
      path.join(__dirname, '../fixtures/consumer.ts'),
      path.join(project.dir, 'consumer.ts'),
    );
  });

  async function typeCheck(compilerOptions: Record<string, unknown>) {
    const config = {
      compilerOptions: {
        strict: true,
        noEmit: true,
        target: 'es2022',
        // The shipped .d.ts are checked too, not skipped.
        skipLibCheck: false,
        types: ['node'],
        typeRoots: [WORKSPACE_TYPE_ROOT],
        ...compilerOptions,
      },
      files: ['consumer.ts'],
    };
    await writeFile(path.join(project.dir, 'tsconfig.json'), JSON.stringify(config, null, 2));
    return run(process.execPath, [TSC, '-p', 'tsconfig.json'], { cwd: project.dir });
  }

  it('type-checks against the shipped .d.ts as an ES module (module nodenext: the exports map)', async () => {
    const result = await typeCheck({ module: 'nodenext', moduleResolution: 'nodenext' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('type-checks with classic Node resolution too (module commonjs: the types field)', async () => {
    const result = await typeCheck({
      module: 'commonjs',
      moduleResolution: 'node10',
      esModuleInterop: true, // what `tsc --init` sets; pino's and zod's own types need it
    });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.code).toBe(0);
  });
});

describe('the shipped declarations', () => {
  it.each(PACKAGES)('document every export of @netlab/%s', (name) => {
    const entry = path.join(project.dir, 'node_modules/@netlab', name, 'src/index.d.ts');
    const undocumented = undocumentedExports(entry, {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      typeRoots: [WORKSPACE_TYPE_ROOT],
    });
    expect(undocumented).toEqual([]);
  });
});
