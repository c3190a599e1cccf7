/**
 * The campaigns whose histories are stored in test/histories/ and replayed by
 * test/replay.test.ts. scripts/record-histories.ts records one file per run of each,
 * named `<scenario>.json` or, for a campaign that continued as new, `<scenario>.run-N.json`.
 */
export const historyScenarios = {
  plain: '100 entries, all CREATED, 4 batches',
  throttled: '200 entries, 30% REQUEST_THROTTLED and 5% INTERNAL_ERROR (seed 7): retries along both lanes',
  split: 'a batch of 25 answered 400 InvalidRequestException three times: split until sent',
  deflection: 'paused right after start, 5 undialled entries deflected, resumed; paused again, 5 dialled entries deflected, resumed',
  'pause-resume': 'paused with a reason mid-campaign, resumed, completed',
  cancel: 'cancelled by signal mid-campaign: the rest CANCELLED',
  'continue-as-new': 'continueAsNewAfterBatches 2 over several runs, with a deflection and a throttled retry carried across runs',
  // fail-fast-403.json (BatchPutContact denied: FAILED after one call, the rest CANCELLED) was
  // recorded before patch 'pause-on-connect-refusal' and is kept for its old branch.
  'pause-on-refusal-403': 'BatchPutContact denied (403): PAUSED with the reason, the batch held; access restored, resumed, completed',
  v2: 'submission through Outbound Campaigns v2 with one RequestThrottled and one InvalidInput dial request',
  'staging-rejections': 'a CSV file list with 3 invalid rows: staged through the store, those REJECTED',
  'call-outcomes-redial': 'callOutcomes: NO_ANSWER and BUSY redialled after 1 s up to 3 calls, one SMS after a voicemail (patch call-outcomes-redial)',
  'scheduled-ahead':
    'batches of 10 scheduled ahead at once (patch connect-calls-scheduled-ahead); paused while Connect holds calls 2 s: the batches beyond the first cancelled, sent again on resume under their seqs',
  'runs-and-pages':
    '600 entries in batches of 4, 60 scheduled ahead, continueAsNewAfterBatches 80 (patches pages-of-half-a-window and runs-of-9000-events): pages read once half the window fits, two runs',
} as const;

export type HistoryScenario = keyof typeof historyScenarios;

/** `plain.json` → plain; `continue-as-new.run-3.json` → continue-as-new. */
export function scenarioOfHistoryFile(file: string): string {
  return file.replace(/(\.run-\d+)?\.json$/, '');
}
