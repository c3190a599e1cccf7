/**
 * How a worker process starts (the Dockerfile's command; the benches' worker processes too).
 * A V8 heap limit, because with Node's default (about a quarter of the host's memory, 4 GB
 * here) V8 lets each isolate — the main thread and the workflow thread — grow to several
 * times what it holds before collecting; and two malloc arenas, because glibc gives each of
 * the Rust core's threads its own. Together they took a worker on PostgreSQL from 400–500 MiB
 * to ~300 (docs/architecture.md, "Worker memory"). Both act only when Node starts with them.
 */
export const workerNodeFlags = ['--max-old-space-size=256'] as const;
export const workerLaunchEnv = { MALLOC_ARENA_MAX: '2' } as const;
