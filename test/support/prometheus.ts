import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { freePort } from '../../src/dev/ports';

/** Debian's `prometheus` binary, installed with apt-get when missing (the tests run as root). */
function prometheusBinary(): string {
  const found = (): string | undefined => {
    try {
      return execFileSync('sh', ['-c', 'command -v prometheus'], { encoding: 'utf8' }).trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const existing = found();
  if (existing) return existing;
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'prometheus'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const installed = found();
  if (!installed) throw new Error('apt-get installed prometheus, but it is not on PATH');
  return installed;
}

const queryAnswerSchema = z.object({
  status: z.literal('success'),
  data: z.object({ resultType: z.literal('vector'), result: z.array(z.object({ metric: z.record(z.string(), z.string()), value: z.tuple([z.number(), z.string()]) })) }),
});
const queryErrorSchema = z.object({ status: z.literal('error'), errorType: z.string(), error: z.string() });
export type InstantVector = { labels: Record<string, string>; value: number }[];

export interface Prometheus {
  url: string;
  /** An instant query over the HTTP API. */
  query(promql: string): Promise<InstantVector>;
  stop(): Promise<void>;
}

/** A Prometheus server of its own (own port and storage) scraping `targets` (host:port) every second. */
export async function startPrometheus(targets: string[]): Promise<Prometheus> {
  const binary = prometheusBinary();
  const dir = await mkdtemp(join(tmpdir(), 'connect-dialer-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  await writeFile(
    config,
    `global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: connect-dialer-worker\n    static_configs:\n      - targets: [${targets.map((t) => `'${t}'`).join(', ')}]\n`,
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(binary, [`--config.file=${config}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (c: Buffer) => (log = (log + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolveExit) => child.on('close', () => resolveExit()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (
    !(await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    ))
  ) {
    if (Date.now() > deadline || child.exitCode !== null) {
      await stop();
      throw new Error(`Prometheus did not get ready:\n${log}`);
    }
    await sleep(200);
  }
  return {
    url,
    async query(promql) {
      const answer = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body: unknown = await answer.json();
      const failed = queryErrorSchema.safeParse(body);
      if (failed.success) throw new Error(`Prometheus refused ${promql}: ${failed.data.errorType}: ${failed.data.error}`);
      const parsed = queryAnswerSchema.parse(body);
      return parsed.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
    },
    stop,
  };
}
