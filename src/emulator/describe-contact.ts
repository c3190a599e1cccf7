import { ConnectError } from './errors';
import { checkInstanceId } from './model-schemas';
import type { EmulatorState } from './emulator-state';

const ACCOUNT_ID = '000000000000';
/** ContactId: length 1..256 in the model. */
const MAX_CONTACT_ID = 256;

/**
 * GET /contacts/{InstanceId}/{ContactId}: a simulated call's state as Connect tells it later
 * (AnsweringMachineDetectionStatus, DisconnectReason, timestamps, Campaign, Attributes). A
 * contact created with no call simulated answers its initiation only; an unknown one is 404.
 */
export function describeContact(state: EmulatorState, instanceId: string, contactId: string): unknown {
  checkInstanceId(instanceId);
  if (contactId.length < 1 || contactId.length > MAX_CONTACT_ID) {
    throw new ConnectError('InvalidRequestException', `Value at 'contactId' failed to satisfy constraint: Member must have length less than or equal to ${MAX_CONTACT_ID}`);
  }
  state.checkInstance(instanceId);
  const arn = `arn:aws:connect:${state.region}:${ACCOUNT_ID}:instance/${instanceId}/contact/${contactId}`;
  const seconds = (ms: number | undefined): number | undefined => (ms === undefined ? undefined : ms / 1000);
  const call = state.calls.get(contactId);
  if (call !== undefined && call.instanceId === instanceId) {
    return {
      Contact: dropUndefined({
        Arn: arn,
        Id: contactId,
        InitialContactId: contactId,
        InitiationMethod: 'OUTBOUND',
        Channel: 'VOICE',
        InitiationTimestamp: seconds(call.initiatedAt),
        ConnectedToSystemTimestamp: seconds(call.connectedAt),
        DisconnectTimestamp: seconds(call.disconnectedAt),
        LastUpdateTimestamp: seconds(call.disconnectedAt ?? call.initiatedAt),
        DisconnectReason: call.disconnectReason,
        AnsweringMachineDetectionStatus: call.amdStatus,
        Campaign: call.campaignId === undefined ? undefined : { CampaignId: call.campaignId },
        Attributes: call.attributes,
      }),
    };
  }
  for (const contact of state.store.query({ instanceId })) {
    if (contact.contactId !== contactId) continue;
    const at = Date.parse(contact.createdAt) / 1000;
    return {
      Contact: dropUndefined({
        Arn: arn,
        Id: contactId,
        InitialContactId: contactId,
        InitiationMethod: contact.channel === 'CHAT' ? 'API' : 'OUTBOUND',
        Channel: contact.channel === 'CHAT' ? 'CHAT' : 'VOICE',
        InitiationTimestamp: at,
        LastUpdateTimestamp: at,
        Campaign: contact.campaignId === undefined ? undefined : { CampaignId: contact.campaignId },
      }),
    };
  }
  throw new ConnectError('ResourceNotFoundException', `Contact ${contactId} not found in instance ${instanceId}.`);
}

function dropUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, v]) => v !== undefined));
}
