// Bundles the workflow code and writes it to stdout as JSON ({ code, sourceMap }). Run by
// workflowBundle() in src/worker.ts as a child process, so webpack and swc never load into
// the worker (they kept ~120 MB of its RSS and ~30 MB of its heap for good). Plain JavaScript:
// it runs without tsx; webpack compiles the TypeScript workflows itself.
//   node src/workflow-bundler.cjs [--traced] [--encoded-failures]
//   (--traced: with the OpenTelemetry workflow interceptors; --encoded-failures: with the failure
//   converter that encodes failure messages, for encrypted payloads: src/privacy/encoded-failures.ts)
'use strict';
const { bundleWorkflowCode } = require('@temporalio/worker');

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: (m) => console.error(m), error: (m) => console.error(m) };

bundleWorkflowCode({
  workflowsPath: require.resolve('./workflows/index.ts'),
  workflowInterceptorModules: process.argv.includes('--traced') ? [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')] : [],
  ...(process.argv.includes('--encoded-failures') && { failureConverterPath: require.resolve('./privacy/encoded-failures.ts') }),
  logger: quiet,
}).then(
  (bundle) => process.stdout.write(JSON.stringify(bundle)),
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
