/** Limits from the Connect service model (see shared/connect-api.md) and this product's own. */
export const MAX_BATCH_SIZE = 25;
export const MAX_CLIENT_TOKEN_LENGTH = 500;
export const MAX_REQUEST_IDENTIFIER_LENGTH = 80;
export const MAX_ADDRESS_LENGTH = 256;
export const MAX_ATTRIBUTE_KEY_LENGTH = 32767;
export const MAX_ATTRIBUTE_VALUE_LENGTH = 32767;
export const MAX_INSTANCE_ID_LENGTH = 100;
export const MAX_CAMPAIGN_ID_LENGTH = 100;
export const ATTRIBUTE_KEY_PATTERN = /^[A-Za-z0-9_-]+$/;
/**
 * A Connect phone number ARN (a CONNECT_PHONENUMBER_ARN address). Both forms are real: the
 * account-scoped `…:phone-number/<id>` and the instance-scoped `…:instance/<instance-id>/phone-number/<id>`.
 */
export const PHONE_NUMBER_ARN_PATTERN = /^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:(?:instance\/[^/]+\/)?phone-number\/[^/]+$/;

/**
 * Dial lists larger than this must come from a file: an inline list travels in the
 * workflow's start event, and history must stay small whatever the list size.
 */
export const MAX_INLINE_ENTRIES = 1000;
