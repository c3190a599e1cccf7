import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

// Workflow code must be deterministic and the domain is shared with it, so neither may do I/O:
// no Node built-ins, no database, AWS or Temporal client/worker/activity packages, and only types
// from the activities, the store and the CLI (the Temporal samples' hello-world lints the same way).
const noIo = 'src/workflows and src/domain do no I/O: move this into an activity (or src/storage), and pass the data in';
const typesOnly = 'src/workflows and src/domain take only types from here (`import type`): they do no I/O';
const noIoImports = {
  paths: builtinModules.filter((name) => !name.startsWith('_')).map((name) => ({ name, message: noIo })),
  patterns: [
    { group: ['node:*'], message: noIo },
    { group: ['pg', 'pg/*', '@electric-sql/*', '@temporalio/activity', '@temporalio/worker', '@temporalio/client'], message: noIo },
    { group: ['@aws-sdk/*'], message: typesOnly, allowTypeImports: true },
    { regex: '^(\\.\\./)+(activities|storage|cli)(/.*)?$', message: typesOnly, allowTypeImports: true },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'lib/', '.tools/', '.data/', 'test-artifacts/', 'bin/', 'scripts/*.mjs', 'src/**/*.cjs', 'bench/*.cjs', 'eslint.config.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] }] }],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/workflows/**/*.ts', 'src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', noIoImports],
      'no-restricted-globals': ['error', ...['Buffer', 'process', 'setTimeout', 'setInterval'].map((name) => ({ name, message: `${noIo} (timers: workflow.sleep)` }))],
    },
  },
);
