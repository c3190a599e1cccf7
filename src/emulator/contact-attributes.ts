import { z } from 'zod';
import type { EmulatorState } from './emulator-state';
import { ConnectError } from './errors';
import { checkInstanceId } from './model-schemas';
import { parseRequest } from './validation';

/** InitialContactId is a ContactId in the model: length 1..256. */
const labels = z.object({ InitialContactId: z.string().min(1).max(256) });

/**
 * GET /contact/attributes/{InstanceId}/{InitialContactId}: the attributes a contact carries,
 * as Connect keeps them. A dialled call has the attributes it was created with (a v2 dial
 * request's `telephony.attributes`, a BatchPutContact entry's `Attributes`); a contact created
 * with no call simulated has its entry's. A contact the instance does not have is 404.
 */
export function getContactAttributes(state: EmulatorState, instanceId: string, initialContactId: string): { Attributes: Record<string, string> } {
  checkInstanceId(instanceId);
  parseRequest(labels, { InitialContactId: initialContactId });
  state.checkInstance(instanceId);
  const call = state.calls.get(initialContactId);
  if (call !== undefined && call.instanceId === instanceId) return { Attributes: { ...call.attributes } };
  for (const contact of state.store.query({ instanceId })) {
    if (contact.contactId === initialContactId) return { Attributes: { ...contact.attributes } };
  }
  throw new ConnectError('ResourceNotFoundException', `Contact ${initialContactId} not found in instance ${instanceId}.`);
}
