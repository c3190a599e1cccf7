import { GetContactAttributesCommand, type ConnectClient } from '@aws-sdk/client-connect';
import { DIALER_REQUEST_ATTRIBUTE } from '../domain/client-token';

/** What a campaign's contact says about its send: the request token it carries, or none (another dialer's, or a BatchPutContact contact). */
export type CampaignContact = { kind: 'send'; requestToken: string } | { kind: 'no-send' };

/** Contacts remembered at most: the oldest is forgotten first. */
const DEFAULT_CACHE_SIZE = 10_000;

/**
 * Finds the send an Outbound Campaigns v2 contact was placed for (docs/call-outcomes.md). Its
 * events name the contact only, never the dial request, so this reads the contact's
 * `ConnectDialerRequest` attribute with GetContactAttributes: the request's clientToken, by
 * which the store finds the send. Answers are remembered, so a contact's later events, an event
 * retried while its send is not recorded yet, or a duplicate cost no second call. Errors
 * (throttling, network, an unknown contact) are thrown and not remembered: the event is tried
 * again. Nothing but the token is kept from the attributes, nothing of them is logged.
 */
export class CampaignContactResolver {
  private readonly known = new Map<string, CampaignContact>();

  constructor(
    private readonly connect: ConnectClient,
    private readonly cacheSize = DEFAULT_CACHE_SIZE,
  ) {}

  async resolve(instanceId: string, contactId: string): Promise<CampaignContact> {
    const cached = this.known.get(contactId);
    if (cached !== undefined) return cached;
    const answer = await this.connect.send(new GetContactAttributesCommand({ InstanceId: instanceId, InitialContactId: contactId }));
    const token = answer.Attributes?.[DIALER_REQUEST_ATTRIBUTE];
    const contact: CampaignContact = token === undefined || token === '' ? { kind: 'no-send' } : { kind: 'send', requestToken: token };
    this.known.set(contactId, contact);
    if (this.known.size > this.cacheSize) {
      const oldest = this.known.keys().next();
      if (oldest.done !== true) this.known.delete(oldest.value);
    }
    return contact;
  }
}
