// Preloaded into a bench's worker process (NODE_OPTIONS=--require …, which worker threads
// inherit): every second each thread appends its memory to WORKER_MEMORY_PROBE_FILE as a JSON
// line: the process's rss, and its own V8 isolate's heapUsed and heapTotal (the main thread's,
// the workflow thread's, the module loader's); external and arrayBuffers are the process's.
'use strict';
const { appendFileSync } = require('node:fs');
const { threadId } = require('node:worker_threads');

const file = process.env.WORKER_MEMORY_PROBE_FILE;
if (file) {
  setInterval(() => {
    const m = process.memoryUsage();
    const sample = { at: Date.now(), thread: threadId, rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
    appendFileSync(file, JSON.stringify(sample) + '\n');
  }, 1000).unref();
}
