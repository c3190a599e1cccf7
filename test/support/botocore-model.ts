// The Amazon Connect service model as botocore ships it: the reference the emulator's
// constraints are held to. Fetched once with pip (pinned version and hash) into .tools/,
// then read from there; a machine without Python and pip fails with a clear message.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { refuseInUnitTests } from './unit-tests';

export const BOTOCORE_VERSION = '1.44.5';
const WHEEL_SHA256 = '8f16a56d1dff125dd65322ae021efa7ba5195a6db5102b96862566055b748921';
/** The models read out of the wheel: Connect, and Outbound Campaigns v2 (issue 11). */
const MODELS = {
  connect: 'botocore/data/connect/2017-08-08/service-2.json.gz',
  connectcampaignsv2: 'botocore/data/connectcampaignsv2/2024-04-23/service-2.json.gz',
} as const;
type ModelName = keyof typeof MODELS;

const toolsDir = join(__dirname, '..', '..', '.tools');
const cacheDir = join(toolsDir, `botocore-${BOTOCORE_VERSION}`);
const cachedModel = (name: ModelName): string => join(cacheDir, `${name}-${MODELS[name].split('/')[3] ?? ''}.service-2.json`);

const memberRef = z.object({ shape: z.string(), location: z.string().optional() });
const shapeSchema = z
  .object({
    type: z.string(),
    members: z.record(z.string(), memberRef).optional(),
    required: z.array(z.string()).optional(),
    member: memberRef.optional(),
    key: memberRef.optional(),
    value: memberRef.optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    enum: z.array(z.string()).optional(),
    pattern: z.string().optional(),
    union: z.boolean().optional(),
  })
  .loose();
const modelSchema = z.object({
  metadata: z.object({ apiVersion: z.string(), signingName: z.string(), protocol: z.string() }),
  operations: z.record(z.string(), z.object({ input: memberRef.optional() })),
  shapes: z.record(z.string(), shapeSchema),
});

export type ModelShape = z.infer<typeof shapeSchema>;
export type ConnectModel = z.infer<typeof modelSchema>;

const python = process.env.PYTHON ?? 'python3';

function run(args: string[], what: string): void {
  const result = spawnSync(python, args, { encoding: 'utf8' });
  if (result.error) {
    throw new Error(
      `${what}: cannot run ${python} (${result.error.message}). The model test reads the Connect model from botocore ${BOTOCORE_VERSION}'s wheel and needs Python 3 with pip (set PYTHON to another interpreter).`,
    );
  }
  if (result.status !== 0) {
    throw new Error(`${what}: \`${python} ${args.join(' ')}\` exited ${String(result.status)}:\n${result.stderr}`);
  }
}

/** Downloads the pinned wheel (hash-checked) and keeps only the models used here, uncompressed. */
function fetchModels(): void {
  refuseInUnitTests('pip (the botocore models)');
  mkdirSync(toolsDir, { recursive: true });
  const work = mkdtempSync(join(toolsDir, 'botocore-download-'));
  try {
    const requirements = join(work, 'requirements.txt');
    writeFileSync(requirements, `botocore==${BOTOCORE_VERSION} --hash=sha256:${WHEEL_SHA256}\n`);
    run(
      ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '--require-hashes', '--disable-pip-version-check', '-q', '-r', requirements, '-d', work],
      `downloading botocore ${BOTOCORE_VERSION} with pip`,
    );
    const wheel = readdirSync(work).find((f) => f.endsWith('.whl'));
    if (wheel === undefined) throw new Error(`pip reported success but left no botocore wheel in ${work}`);
    const extract = 'import gzip, sys, zipfile; open(sys.argv[3], "wb").write(gzip.decompress(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2])))';
    mkdirSync(cacheDir, { recursive: true });
    for (const name of Object.keys(MODELS) as ModelName[]) {
      const extracted = join(work, `${name}.json`);
      run(['-c', extract, join(work, wheel), MODELS[name], extracted], `reading ${MODELS[name]} out of ${wheel}`);
      // A rename, so a concurrent or interrupted run never reads half a file.
      renameSync(extracted, cachedModel(name));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const loaded = new Map<ModelName, ConnectModel>();

function model(name: ModelName): ConnectModel {
  const known = loaded.get(name);
  if (known) return known;
  if (!existsSync(cachedModel(name))) fetchModels();
  const parsed = modelSchema.parse(JSON.parse(readFileSync(cachedModel(name), 'utf8')));
  loaded.set(name, parsed);
  return parsed;
}

/** The Connect 2017-08-08 model from botocore (fetched on first use, then from .tools/). */
export function connectModel(): ConnectModel {
  return model('connect');
}

/** The Outbound Campaigns v2 2024-04-23 model (signing name connect-campaigns), from the same wheel. */
export function campaignsV2Model(): ConnectModel {
  return model('connectcampaignsv2');
}
