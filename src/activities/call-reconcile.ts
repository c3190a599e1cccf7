import { DescribeContactCommand, ResourceNotFoundException, type ConnectClient } from '@aws-sdk/client-connect';
import { factsFromDescribedContact, type Disposition } from '../domain/call-disposition';
import type { CallFactsRecord } from '../storage/call-results';
import type { CampaignStore } from '../storage/campaign-store';
import { countDispositions } from '../telemetry/disposition-metrics';
import type { ConnectCallOptions } from './connect-call';

export interface SettleCallsInput {
  campaignKey: string;
  /**
   * The instance its contacts are on. Absent for a v2 campaign: its attempts hold dial
   * requests, and only the calls linked to their contact (by the contact-event consumer, with
   * the instance the contact is on) are asked about.
   */
  instanceId?: string;
  /** The settle time is over: every call still undecided is recorded UNKNOWN. */
  settle: boolean;
}

export interface CallsSettlement {
  /** Calls whose disposition is still unknown. */
  pending: number;
  /** Entries by the final disposition of their calls. */
  counts: Record<Disposition, number>;
}

/** DescribeContact calls per activity: the rest wait for the next round. */
const MAX_DESCRIBED = 50;

/**
 * Asks DescribeContact about calls placed more than `reconcileAfterMs` ago whose final event
 * never came (events are best effort), records what it answers, and with `settle` records
 * UNKNOWN for what is still undecided. Answers where the campaign's calls stand.
 */
export async function settleCalls(
  connect: ConnectClient,
  store: CampaignStore,
  input: SettleCallsInput,
  reconcileAfterMs: number,
  call: ConnectCallOptions = {},
  now: () => number = Date.now,
): Promise<CallsSettlement> {
  const undecided = await store.undecidedCalls(input.campaignKey, new Date(now() - reconcileAfterMs), MAX_DESCRIBED, { linkedOnly: input.instanceId === undefined });
  if (undecided.length > 0) {
    const facts: CallFactsRecord[] = [];
    for (const c of undecided) {
      const instanceId = c.instanceId ?? input.instanceId;
      if (instanceId === undefined) continue;
      try {
        const answer = await connect.send(new DescribeContactCommand({ InstanceId: instanceId, ContactId: c.contactId }), call);
        if (answer.Contact) facts.push({ contactId: c.contactId, facts: factsFromDescribedContact(answer.Contact), source: 'DESCRIBE_CONTACT' });
      } catch (err) {
        // Connect no longer knows the contact: only the settle time decides it now.
        if (err instanceof ResourceNotFoundException) continue;
        throw err;
      }
    }
    countDispositions((await store.recordCallFacts(facts)).decided);
  }
  if (input.settle) countDispositions(await store.settleUndecided(input.campaignKey));
  const summary = await store.dispositionSummary(input.campaignKey);
  return { pending: summary.pending, counts: summary.counts };
}
