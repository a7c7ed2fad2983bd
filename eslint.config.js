// One lint config for the whole repo. Code that runs in the workflow sandbox
// gets the Temporal determinism rules: no Node built-ins, no I/O libraries,
// no floating promises. Tests start Temporal workers only through the helpers
// that shut them down.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Everything the workflow bundle contains: the workflows and the pure domain
 * code they import. test/workflows/determinism-lint.test.ts bundles the
 * workflows and fails when a bundled file is not covered here.
 */
export const WORKFLOW_SANDBOX_FILES = ['src/workflows/**/*.ts', 'src/domain/**/*.ts'];

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

const testWorkerMessage =
  'Start workers with startTestWorker/withTestWorker (test/support/temporal.ts): they are registered and a leftover fails the file.';

export default tseslint.config(
  { ignores: ['node_modules', 'dist', 'src/generated', '.stack', 'coverage', 'infra/prisma/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    files: WORKFLOW_SANDBOX_FILES,
    // Unit tests beside the domain code are never bundled.
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'Workflows must be deterministic: no Node built-ins.',
            })),
            ...nodeBuiltins.map((name) => ({
              name: `node:${name}`,
              message: 'Workflows must be deterministic: no Node built-ins.',
            })),
            { name: '@temporalio/client', message: 'Workflows use @temporalio/workflow only.' },
            { name: '@temporalio/worker', message: 'Workflows use @temporalio/workflow only.' },
          ],
          patterns: [
            {
              group: ['**/activities/*', '**/db/*', '**/generated/**', 'kafkajs', 'ioredis', 'pg', 'fastify'],
              allowTypeImports: true,
              message: 'Workflows import activity *types* only and no I/O libraries.',
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Use sleep() from @temporalio/workflow.' },
        { name: 'setInterval', message: 'Not deterministic.' },
      ],
    },
  },
  {
    files: ['test/**/*.ts', 'src/**/*.test.ts'],
    ignores: ['test/support/temporal.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: '@temporalio/worker', importNames: ['Worker'], message: testWorkerMessage }],
          patterns: [
            { group: ['**/temporal/worker.js'], importNames: ['createWorker'], message: testWorkerMessage },
          ],
        },
      ],
    },
  },
);
