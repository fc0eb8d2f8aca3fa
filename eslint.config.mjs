// One flat config for the whole workspace. The module-boundary rule is what keeps
// the architecture of docs/contract.md true: protocol is pure, transports know
// sockets but not apps, and the UDP and TCP stacks never reach into each other.
// tools/scripts/check-boundaries.sh proves each constraint by breaking it.
import nx from '@nx/eslint-plugin';

const socketModules = ['net', 'node:net', 'dgram', 'node:dgram'];

function boundaries({ testsMayUseTools }) {
  const tools = testsMayUseTools ? ['type:tool'] : [];
  return {
    // Tests are not built, so a test may use a tool that has no build of its own.
    enforceBuildableLibDependency: !testsMayUseTools,
    allow: [],
    depConstraints: [
      {
        sourceTag: 'type:protocol',
        onlyDependOnLibsWithTags: ['type:protocol'],
        bannedExternalImports: [...socketModules, 'pino'],
      },
      {
        // What both transports share (logger, dump, endpoint text, log events): no sockets.
        sourceTag: 'type:transport-core',
        onlyDependOnLibsWithTags: [],
        bannedExternalImports: [...socketModules, 'pino'],
      },
      {
        sourceTag: 'type:transport',
        onlyDependOnLibsWithTags: [
          'type:protocol',
          'type:transport-core',
          'type:transport',
          ...tools,
        ],
      },
      {
        sourceTag: 'type:app',
        onlyDependOnLibsWithTags: [
          'type:protocol',
          'type:transport-core',
          'type:transport',
          'type:cli',
          ...tools,
        ],
      },
      {
        // What the apps share (flags, logger, signals, keyboard): no sockets, no services.
        sourceTag: 'type:cli',
        onlyDependOnLibsWithTags: ['type:protocol', 'type:transport-core'],
        bannedExternalImports: socketModules,
      },
      {
        // Test and demo tools (fault proxies, the app harness): never a dependency of shipped code.
        sourceTag: 'type:tool',
        onlyDependOnLibsWithTags: ['type:protocol', 'type:transport-core', 'type:tool'],
      },
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
      { sourceTag: 'scope:udp', onlyDependOnLibsWithTags: ['scope:udp', 'scope:shared'] },
      { sourceTag: 'scope:tcp', onlyDependOnLibsWithTags: ['scope:tcp', 'scope:shared'] },
    ],
  };
}

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  {
    ignores: ['**/dist', '**/node_modules', '**/coverage', '**/tmp', '**/.nx'],
  },
  {
    files: ['**/*.ts', '**/*.js', '**/*.mjs', '**/*.cjs'],
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries({ testsMayUseTools: false })] },
  },
  {
    // Tests may drive the fault-injecting tools (a proxy that splits writes, one that loses
    // datagrams); shipped code may not.
    files: ['**/*.spec.ts', '**/test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': ['error', boundaries({ testsMayUseTools: true })] },
  },
  {
    // Belt and braces for the purity of protocol: the boundary rule above sees
    // npm packages, this one also catches bare Node built-ins.
    files: ['packages/protocol/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...socketModules,
            'pino',
            'node:fs',
            'fs',
            'node:child_process',
            'child_process',
          ].map((name) => ({
            name,
            message: '@netlab/protocol is pure: no I/O, no sockets, no logger.',
          })),
          patterns: [
            {
              group: ['@netlab/*-transport', '@netlab/*-transport/*'],
              message: 'protocol must not depend on a transport.',
            },
          ],
        },
      ],
    },
  },
  {
    // A stranger's code, run and type-checked outside the workspace against the packed
    // tarballs (tools/package-consumers): it imports the packages by their published names,
    // as any service may, so the workspace's boundaries between projects do not apply.
    files: ['tools/package-consumers/fixtures/**'],
    rules: { '@nx/enforce-module-boundaries': 'off' },
  },
  {
    files: ['**/*.spec.ts', '**/test/**/*.ts', 'tools/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
];
