// Call outcomes end to end: the real worker reads the emulator's contact events from SQS with
// @aws-sdk/client-sqs while a campaign runs on the real Temporal server, and the store, the
// report and the client tell each entry's final disposition and number of calls.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { campaignDefaults, entry, startStack, uniqueCampaignId, type Stack } from './support/stack';
import { emulatorSqsClient } from './support/emulator';
import { eventually } from './support/eventually';

/** entry(i)'s number (test/support/stack.ts). */
const numberOf = (i: number): string => `+1415555${String(i).padStart(4, '0')}`;

const scripted = {
  [numberOf(1)]: 'HUMAN_ANSWERED',
  [numberOf(2)]: 'VOICEMAIL',
  [numberOf(3)]: 'NO_ANSWER',
  [numberOf(4)]: 'BUSY',
  [numberOf(5)]: 'INVALID_NUMBER',
  [numberOf(6)]: 'NOT_DIALLED',
} as const;

let stack: Stack;

before(async () => {
  // Every event twice or once, shuffled: the store must end the same as with a clean stream.
  stack = await startStack({ contactEvents: true, emulator: { calls: { ringMs: 300, byNumber: scripted, duplicateRate: 0.6, reorder: true, seed: 11 } } });
});
after(async () => {
  await stack?.stop();
});

async function queueDepth(): Promise<number> {
  const answer = await emulatorSqsClient(stack.emulator).send(
    new GetQueueAttributesCommand({ QueueUrl: stack.emulator.contactEventsQueueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }),
  );
  return Number(answer.Attributes?.ApproximateNumberOfMessages) + Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible);
}

describe('call outcomes', () => {
  test('each call ends in its disposition in the store and the report, whatever duplicates, reordering and poison messages', async () => {
    const sqs = emulatorSqsClient(stack.emulator);
    // Not contact events: deleted, and the events behind them still applied.
    await sqs.send(new SendMessageCommand({ QueueUrl: stack.emulator.contactEventsQueueUrl, MessageBody: 'not json at all' }));
    await sqs.send(
      new SendMessageCommand({ QueueUrl: stack.emulator.contactEventsQueueUrl, MessageBody: JSON.stringify({ source: 'aws.s3', 'detail-type': 'Object Created', detail: {} }) }),
    );
    const campaignId = uniqueCampaignId('outcomes');
    const started = await stack.campaigns.start({
      campaignId,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      dialList: { kind: 'inline', entries: [1, 2, 3, 4, 5, 6].map((i) => entry(i)) },
    });
    const result = await stack.campaigns.result(started.campaignId);
    assert.equal(result.outcomes.CREATED, 6);

    const summary = await eventually(
      'every call decided',
      async () => {
        const s = await stack.campaigns.callOutcomes(campaignId);
        return s.pending === 0 && s.calls === 6 && s;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
    assert.deepEqual(summary.counts, { REACHED: 1, VOICEMAIL: 1, NO_ANSWER: 1, BUSY: 1, INVALID_NUMBER: 1, NOT_DIALLED: 1, UNKNOWN: 0 });
    await eventually('the queue emptied: every message applied or deleted', async () => (await queueDepth()) === 0, { timeoutMs: 60_000, intervalMs: 250 });

    const written = await stack.campaigns.writeReport(campaignId, join(stack.dataDir, `${campaignId}.csv`), 'csv');
    const csv = (await readFile(written.path, 'utf8')).trimEnd().split('\n');
    assert.equal(csv[0], 'RequestIdentifier,Index,Outcome,ContactId,RelatedContactId,FailureCode,Field,Message,Disposition,Attempts');
    const byId = new Map(csv.slice(1).map((line) => [line.split(',')[0], line.split(',')]));
    const expected: Record<string, string> = { 'c-1': 'REACHED', 'c-2': 'VOICEMAIL', 'c-3': 'NO_ANSWER', 'c-4': 'BUSY', 'c-5': 'INVALID_NUMBER', 'c-6': 'NOT_DIALLED' };
    for (const [id, disposition] of Object.entries(expected)) {
      assert.deepEqual(byId.get(id)?.slice(8), [disposition, '1'], `${id}: ${byId.get(id)?.join(',') ?? 'missing'}`);
    }
    const records = [];
    for await (const r of stack.campaigns.report(campaignId)) records.push(r);
    assert.deepEqual(
      records.map((r) => [r.requestIdentifier, r.disposition, r.attempts]),
      Object.entries(expected).map(([id, d]) => [id, d, 1]),
    );
  });

  test('with callOutcomes the campaign waits for its calls: a call whose events never came is asked about with DescribeContact', async () => {
    // c-8's call publishes INITIATED only: its end is known to DescribeContact alone.
    stack.emulator.configure({ calls: { ringMs: 200, byNumber: { [numberOf(8)]: 'BUSY', [numberOf(9)]: 'HUMAN_ANSWERED' }, silentNumbers: [numberOf(8)] } });
    const campaignId = uniqueCampaignId('settle');
    const started = await stack.campaigns.start({
      campaignId,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      callOutcomes: { redial: [], smsOn: [], settleWithinSeconds: 120 },
      dialList: { kind: 'inline', entries: [entry(8), entry(9)] },
    });
    const result = await stack.campaigns.result(started.campaignId);
    assert.equal(result.status, 'COMPLETED');
    assert.deepEqual(result.dispositions, { REACHED: 1, VOICEMAIL: 0, NO_ANSWER: 0, BUSY: 1, INVALID_NUMBER: 0, NOT_DIALLED: 0, UNKNOWN: 0 });
    assert.ok(stack.emulator.stats().calls.DescribeContact >= 1, 'the silent call was described');
  });

  test('calls still undecided after settleWithinSeconds are recorded UNKNOWN and the campaign ends', async () => {
    // The calls ring for two minutes: nothing is known when the 3 s settle time is over.
    stack.emulator.configure({ calls: { ringMs: 120_000 } });
    const campaignId = uniqueCampaignId('unknown');
    const started = await stack.campaigns.start({
      campaignId,
      instanceId: 'instance-1',
      defaults: campaignDefaults,
      callOutcomes: { settleWithinSeconds: 3 },
      dialList: { kind: 'inline', entries: [entry(10), entry(11)] },
    });
    const result = await stack.campaigns.result(started.campaignId);
    assert.equal(result.dispositions?.UNKNOWN, 2, JSON.stringify(result.dispositions));
    const records = [];
    for await (const r of stack.campaigns.report(campaignId)) records.push(r);
    assert.deepEqual(
      records.map((r) => [r.disposition, r.attempts]),
      [
        ['UNKNOWN', 1],
        ['UNKNOWN', 1],
      ],
    );
  });

  test('a campaign whose calls tell nothing reports as today: no Disposition or Attempts columns', async () => {
    stack.emulator.configure({ calls: undefined });
    const campaignId = uniqueCampaignId('no-outcomes');
    const started = await stack.campaigns.start({ campaignId, instanceId: 'instance-1', defaults: campaignDefaults, dialList: { kind: 'inline', entries: [entry(7)] } });
    await stack.campaigns.result(started.campaignId);
    const written = await stack.campaigns.writeReport(campaignId, join(stack.dataDir, `${campaignId}.csv`), 'csv');
    const [header] = (await readFile(written.path, 'utf8')).split('\n');
    assert.equal(header, 'RequestIdentifier,Index,Outcome,ContactId,RelatedContactId,FailureCode,Field,Message');
  });
});
