// Bundles the workflow code and writes it to stdout as JSON ({ code, sourceMap }). Run by
// workflowBundle() in src/worker.ts as a child process, so webpack and swc never load into
// the worker (they kept ~120 MB of its RSS and ~30 MB of its heap for good). Plain JavaScript:
// it runs without tsx; webpack compiles the TypeScript workflows itself. In a source checkout it
// bundles src/workflows/index.ts; in the package (lib/, no TypeScript beside it) the compiled
// lib/workflows/index.js.
//   node src/workflow-bundler.cjs [--traced] [--encoded-failures]
//   (--traced: with the OpenTelemetry workflow interceptors; --encoded-failures: with the failure
//   converter that encodes failure messages, for encrypted payloads: src/privacy/encoded-failures.ts)
'use strict';
const { bundleWorkflowCode } = require('@temporalio/worker');

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: (m) => console.error(m), error: (m) => console.error(m) };

/** A module of the product: its TypeScript source in a checkout, its compiled JavaScript in the package. */
function source(name) {
  try {
    return require.resolve(`./${name}.ts`);
  } catch {
    return require.resolve(`./${name}.js`);
  }
}

bundleWorkflowCode({
  workflowsPath: source('workflows/index'),
  workflowInterceptorModules: process.argv.includes('--traced') ? [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')] : [],
  ...(process.argv.includes('--encoded-failures') && { failureConverterPath: source('privacy/encoded-failures') }),
  logger: quiet,
}).then(
  (bundle) => process.stdout.write(JSON.stringify(bundle)),
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
