/**
 * Formats the Connect documentation gives where the service model sets none. They are
 * service rules, checked only once a request satisfies the model (see chat-rules.ts and
 * entry-checks.ts), so a request breaking both hears about the model first, as from AWS.
 */

/** A telephone number in E.164: `+`, a country code that does not start with 0, at most 15 digits. */
export const E164 = /^\+[1-9]\d{1,14}$/;

/**
 * The ARN of a phone number claimed in Connect: what a CONNECT_PHONENUMBER_ARN endpoint carries.
 * Both forms are real: `…:phone-number/<id>` and the instance-scoped `…:instance/<instance-id>/phone-number/<id>`.
 */
export const PHONE_NUMBER_ARN = /^arn:aws[a-z-]*:connect:[a-z0-9-]+:\d{12}:(?:instance\/[^/]+\/)?phone-number\/[^/]+$/;

/** BatchPutContact's contact attribute keys: letters, digits, `-` and `_` (else INVALID_ATTRIBUTE_KEY). */
export const ATTRIBUTE_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * Segment attribute keys. The docs allow "only alphanumeric, -, and _", yet name the
 * system keys this API exists to set with a `connect:` namespace (`connect:Subtype` for
 * SMS, `connect:ContactExpiry`): the rule is read as applying to the name after it.
 */
export const SEGMENT_ATTRIBUTE_KEY = /^(connect:)?[A-Za-z0-9_-]+$/;
