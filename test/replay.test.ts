// Determinism as a test: every history stored in test/histories/ (recorded by
// `npm run record-histories`) replays against today's workflow code, and a workflow with an
// unpatched change (test/fixtures/nondeterministic-workflows.ts) fails to replay them. No server:
// replay needs only the histories and the bundle.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Worker, type ReplayResult } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { historyScenarios, scenarioOfHistoryFile } from './support/history-scenarios';

const historiesDir = join(__dirname, 'histories');
const quiet = { log: () => undefined, trace: () => undefined, debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

async function storedHistories(): Promise<(HistoryAndWorkflowId & { file: string })[]> {
  const files = (await readdir(historiesDir)).filter((f) => f.endsWith('.json')).sort();
  return Promise.all(files.map(async (file) => ({ file, workflowId: file, history: historyFromJSON(JSON.parse(await readFile(join(historiesDir, file), 'utf8'))) })));
}

/** Replays every history against the workflows at `workflowsPath`; one result per file, by file name. */
async function replay(workflowsPath: string, histories: HistoryAndWorkflowId[]): Promise<Map<string, ReplayResult>> {
  const workflowBundle = await bundleWorkflowCode({ workflowsPath, logger: quiet });
  const results = new Map<string, ReplayResult>();
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) results.set(result.workflowId, result);
  return results;
}

void describe('stored workflow histories', () => {
  void test('every scenario of test/support/history-scenarios.ts has a stored history', async () => {
    const recorded = new Set((await storedHistories()).map((h) => scenarioOfHistoryFile(h.file)));
    const missing = Object.keys(historyScenarios).filter((s) => !recorded.has(s));
    assert.deepEqual(missing, [], `no history in test/histories/ for ${missing.join(', ')}: run \`npm run record-histories ${missing.join(' ')}\``);
  });

  void test('every stored history replays against the campaign workflow without nondeterminism', async () => {
    const histories = await storedHistories();
    assert.ok(histories.length >= Object.keys(historyScenarios).length, `only ${histories.length} history files`);
    const results = await replay(require.resolve('../src/workflows'), histories);
    for (const { file } of histories) {
      const result = results.get(file);
      assert.ok(result, `${file} was not replayed`);
      assert.equal(result.error, undefined, `${file} does not replay: ${String(result.error)}`);
    }
  });

  void test('a workflow with an unpatched change fails to replay the stored plain history (the replay test can fail)', async () => {
    const plain = (await storedHistories()).filter((h) => h.file === 'plain.json');
    assert.equal(plain.length, 1, 'test/histories/plain.json is missing');
    const results = await replay(require.resolve('./fixtures/nondeterministic-workflows'), plain);
    const error = results.get('plain.json')?.error;
    assert.ok(error instanceof DeterminismViolationError, `expected a DeterminismViolationError, got ${String(error)}`);
    assert.match(error.message, /[Nn]ondetermin/, error.message);
  });
});
