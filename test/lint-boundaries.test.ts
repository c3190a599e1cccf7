// The lint rule that keeps I/O out of workflow and domain code (eslint.config.mjs): the same source
// fails under src/domain and src/workflows and passes under src/activities, where I/O belongs.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';

const root = join(__dirname, '..');
// Type-aware rules need the file on disk; these sources are not, and the boundary rules need no types.
const eslint = new ESLint({ cwd: root, overrideConfig: tseslint.configs.disableTypeChecked });

/** The rule ids and messages ESLint reports for `code` as if it were the file at `filePath`. */
async function lint(code: string, filePath: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
  assert.ok(result, `ESLint returned no result for ${filePath}`);
  return result.messages.map((m) => `${m.ruleId ?? 'parse'}: ${m.message}`);
}

const io = [
  `import { readFileSync } from 'node:fs';`,
  `import { createHash } from 'crypto';`,
  `import pg from 'pg';`,
  `import { ConnectClient } from '@aws-sdk/client-connect';`,
  `import { Context } from '@temporalio/activity';`,
  `import { createActivities } from '../activities';`,
  `import { openCampaignDatabase } from '../storage/database';`,
  `export const read = (): unknown => [readFileSync, createHash, pg, ConnectClient, Context, createActivities, openCampaignDatabase];`,
  `export const later = (): unknown => setTimeout(() => process.exit(Buffer.byteLength('x')), 10);`,
].join('\n');

describe('no I/O in src/workflows and src/domain (eslint.config.mjs)', () => {
  for (const folder of ['src/domain', 'src/workflows']) {
    test(`Node built-ins, pg, AWS and Temporal activity imports, store and activity values, and Node globals fail under ${folder}`, async () => {
      const messages = await lint(io, `${folder}/boundary-probe.ts`);
      const imports = messages.filter((m) => m.startsWith('@typescript-eslint/no-restricted-imports'));
      const globals = messages.filter((m) => m.startsWith('no-restricted-globals'));
      assert.equal(imports.length, 7, `expected the 7 imports to be refused, got:\n${messages.join('\n')}`);
      assert.deepEqual(
        globals.map((m) => m.match(/'(\w+)'/)?.[1]).sort(),
        ['Buffer', 'process', 'setTimeout'],
        `expected Buffer, process and setTimeout to be refused, got:\n${messages.join('\n')}`,
      );
    });
  }

  test('type-only imports of AWS shapes and activity types pass under src/domain', async () => {
    const code = [
      `import type { ContactDataRequest } from '@aws-sdk/client-connect';`,
      `import type { CampaignActivities } from '../activities';`,
      `export type Probe = [ContactDataRequest, CampaignActivities];`,
    ].join('\n');
    assert.deepEqual(await lint(code, 'src/domain/boundary-probe.ts'), []);
  });

  test('the same I/O passes under src/activities', async () => {
    assert.deepEqual(await lint(io, 'src/activities/boundary-probe.ts'), []);
  });
});
