import type { StartOutboundChatContactResponse } from '@aws-sdk/client-connect';
import { ConnectError } from './errors';
import { fingerprint } from './idempotency';
import type { EmulatorState } from './emulator-state';
import { checkChatRules } from './chat-rules';
import { startOutboundChatContactSchema } from './model-schemas';
import { parseRequest } from './validation';

/** Connect's default when ChatDurationInMinutes is absent: 25 hours. */
const DEFAULT_CHAT_MINUTES = 25 * 60;

/**
 * PUT /contact/outbound-chat. A reused ClientToken with other contents is a 409
 * ConflictException: this operation's model lists ConflictException, not IdempotencyException.
 */
export function startOutboundChatContact(state: EmulatorState, body: Record<string, unknown>): StartOutboundChatContactResponse {
  const input = parseRequest(startOutboundChatContactSchema, body);
  const { DestinationEndpoint } = checkChatRules(input);
  state.checkInstance(input.InstanceId);
  const now = state.now();
  const token = input.ClientToken;
  const print = token === undefined ? '' : fingerprint(input.InstanceId, body);
  if (token !== undefined) {
    const found = state.chatTokens.lookup(token, print, now);
    if (found.kind === 'mismatch') throw new ConnectError('ConflictException', `ClientToken ${token} was already used with a different request.`);
    if (found.kind === 'replay') {
      state.stats.current.idempotentReplays++;
      return { ContactId: state.store.contactId(found.outcome) };
    }
  }
  const limit = state.faults.chatConcurrencyLimit;
  if (limit !== undefined && state.activeChats.count(now) >= limit) {
    state.stats.current.throttled++;
    throw new ConnectError('LimitExceededException', `The concurrent active chats limit (${limit}) of instance ${input.InstanceId} has been exceeded.`);
  }
  const index = state.store.add({
    channel: 'CHAT',
    instanceId: input.InstanceId,
    clientToken: token,
    customerAddress: DestinationEndpoint.Address,
    relatedContactId: input.RelatedContactId,
    attributes: input.Attributes,
    createdAt: now,
  });
  state.stats.current.created++;
  state.activeChats.add(now + (input.ChatDurationInMinutes ?? DEFAULT_CHAT_MINUTES) * 60_000);
  if (token !== undefined) state.chatTokens.remember(token, print, index, now);
  return { ContactId: state.store.contactId(index) };
}
