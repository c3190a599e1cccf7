import { z } from 'zod';
import { callingWindowSchema } from './calling-window';
import { frequencyCapSchema } from './frequency-cap';
import { contactDefaultsSchema, dialEntrySchema, type ContactDefaults } from './contact-entry';
import { lanePolicyOverridesSchema } from './lane-policies';
import { MAX_INLINE_ENTRIES, MAX_INSTANCE_ID_LENGTH, PHONE_NUMBER_ARN_PATTERN } from './limits';
import { callOutcomesSchema } from './call-outcomes-spec';
import { pacingSchema } from './pace';

export const dialListFormats = ['csv', 'json', 'jsonl'] as const;
export type DialListFormat = (typeof dialListFormats)[number];

/** `latin1` is read as Windows-1252, its superset (as browsers do), so € and curly quotes from spreadsheets survive. */
export const dialListEncodings = ['utf8', 'latin1'] as const;
export type DialListEncoding = (typeof dialListEncodings)[number];

export const csvColumnsSchema = z.object({
  requestIdentifier: z.string().min(1).default('RequestIdentifier'),
  phoneNumber: z.string().min(1).default('PhoneNumber'),
  queueId: z.string().min(1).default('QueueId'),
});
export type CsvColumns = z.infer<typeof csvColumnsSchema>;

export const dialListSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('inline'),
    // Entries stay `unknown` here: a malformed one is REJECTED with its reason, not a failed start.
    entries: z
      .array(z.unknown())
      .min(1, 'the dial list is empty')
      .max(MAX_INLINE_ENTRIES, `inline dial lists hold at most ${MAX_INLINE_ENTRIES} entries; put larger lists in a CSV, JSON or JSONL file and pass its path`),
  }),
  z.object({
    kind: z.literal('file'),
    /** Path readable by the worker (absolute, or relative to the worker's working directory). */
    path: z.string().min(1),
    /** Taken from the file extension when absent. */
    format: z.enum(dialListFormats).optional(),
    /** utf8 when absent: bytes that are not UTF-8 then fail the list, naming the line, instead of being replaced. */
    encoding: z.enum(dialListEncodings).optional(),
    /** CSV only: which header names hold the RequestIdentifier, number and queue; other columns become attributes. */
    columns: csvColumnsSchema.default({ requestIdentifier: 'RequestIdentifier', phoneNumber: 'PhoneNumber', queueId: 'QueueId' }),
  }),
]);
export type DialListSource = z.infer<typeof dialListSourceSchema>;

export const chatSettingsSchema = z.object({
  /** The phone number the SMS comes from: a CONNECT_PHONENUMBER_ARN. */
  sourcePhoneNumberArn: z
    .string()
    .regex(
      PHONE_NUMBER_ARN_PATTERN,
      'must be a Connect phone number ARN: arn:aws:connect:<region>:<account>:phone-number/<id> or arn:aws:connect:<region>:<account>:instance/<instance-id>/phone-number/<id>',
    ),
  contactFlowId: z.string().min(1).max(500),
  chatDurationInMinutes: z.number().int().min(60).max(10080).optional(),
  displayName: z.string().min(1).max(256).optional(),
  /** Sent as the chat's first system message unless a deflection carries its own. */
  initialMessage: z.string().min(1).max(1024).optional(),
  /** StartOutboundChatContact calls per second for this campaign. */
  chatsPerSecond: z.number().positive().max(100).default(2),
  /** StartOutboundChatContact calls in flight at once. */
  chatsInFlight: z.number().int().min(1).max(50).default(2),
});
export type ChatSettings = z.infer<typeof chatSettingsSchema>;

/**
 * How strictly telephone numbers are checked before sending. `possible`: E.164 with a length
 * that numbers of its country calling code can have, which is what Connect checks; `valid`:
 * also a number in that country's numbering plan as libphonenumber's metadata knows it, which
 * refuses numbers Connect would dial (a new area code, say).
 */
export const phoneChecks = ['possible', 'valid'] as const;
export type PhoneCheck = (typeof phoneChecks)[number];

export const validationSettingsSchema = z.object({
  phone: z.enum(phoneChecks).default('possible'),
});
export type ValidationSettings = z.infer<typeof validationSettingsSchema>;

/**
 * Which Connect API takes the campaign's contacts. `batch-put-contact`: BatchPutContact, which in
 * AWS only the Outbound Campaigns service principal may call. `outbound-campaigns-v2`:
 * PutOutboundRequestBatch on an existing Outbound Campaigns v2 campaign, which a customer's own
 * account may call; QueueId is not one of its fields (the v2 campaign routes the calls).
 */
export const submissionSchema = z.discriminatedUnion('api', [
  z.object({ api: z.literal('batch-put-contact') }),
  z.object({
    api: z.literal('outbound-campaigns-v2'),
    /** The v2 campaign's id, as PutOutboundRequestBatch's path takes it. */
    campaignId: z
      .string()
      .min(1)
      .max(256)
      .regex(/^[-:/a-zA-Z0-9]+$/, 'a v2 campaign id holds 1-256 letters, digits, "-", ":" or "/"'),
    /** How long Connect keeps a request it has not dialled yet (its expirationTime), in seconds; 1 day by default. */
    requestTtlSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 86_400)
      .default(86_400),
    /** Seconds a call rings before it is given up (15-60); Connect's default when absent. */
    ringTimeout: z.number().int().min(15).max(60).optional(),
    /** Caller id, when the v2 campaign's own is not wanted. */
    connectSourcePhoneNumber: z.string().min(1).max(100).optional(),
    /** How often to ask whether a v2 campaign that is not running runs again, in seconds. */
    stateRecheckSeconds: z.number().int().min(1).max(3600).default(60),
  }),
]);
export type Submission = z.infer<typeof submissionSchema>;
/** What PutOutboundRequestBatch needs from the spec. */
export type OutboundRequestSettings = Extract<Submission, { api: 'outbound-campaigns-v2' }>;
export const submissionApis = ['batch-put-contact', 'outbound-campaigns-v2'] as const;
export type SubmissionApi = (typeof submissionApis)[number];

export const campaignIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$/, 'use 1-80 letters, digits, ".", "_" or "-", starting with a letter or digit');

/** A campaign as services, the CLI and the workflow see it: the one source of truth for its shape. */
export const campaignSpecSchema = z
  .object({
    campaignId: campaignIdSchema,
    /**
     * The Amazon Connect instance that BatchPutContact and StartOutboundChatContact (SMS
     * deflection) name. An Outbound Campaigns v2 campaign without SMS deflection names none.
     */
    instanceId: z.string().min(1).max(MAX_INSTANCE_ID_LENGTH).optional(),
    defaults: contactDefaultsSchema.default({}),
    validation: validationSettingsSchema.default({ phone: 'possible' }),
    submission: submissionSchema.default({ api: 'batch-put-contact' }),
    pacing: pacingSchema.prefault({}),
    lanes: lanePolicyOverridesSchema.optional(),
    chat: chatSettingsSchema.optional(),
    /** What the campaign does with what happened on its calls (docs/call-outcomes.md); absent: calls end the entry when created, as before. */
    callOutcomes: callOutcomesSchema.optional(),
    dialList: dialListSourceSchema,
    /** When entries may be called, in each recipient's local time (docs/compliance.md); absent: at any time. */
    callingWindow: callingWindowSchema.optional(),
    /** When the campaign stops sending: what is not sent by then ends CANCELLED with that reason (ISO time with offset). */
    endAt: z.iso.datetime({ offset: true, message: 'an ISO date and time with its offset, e.g. 2026-12-24T18:00:00Z' }).optional(),
    /** How often a number may be called across the deployment's campaigns (docs/compliance.md); absent: no cap. */
    frequencyCap: frequencyCapSchema.optional(),
    /** For tests and tuning: continue-as-new after this many batches, before the run's history is full (src/domain/run-length.ts). */
    continueAsNewAfterBatches: z.number().int().min(1).optional(),
  })
  .refine((spec) => spec.instanceId !== undefined || instanceIdNeededFor(spec) === undefined, {
    path: ['instanceId'],
    error: (issue) => INSTANCE_ID_NEEDED[instanceIdNeededFor(issue.input as InstanceIdNeeds) ?? 'batch-put-contact'],
    // Also when other fields are wrong, so that a start missing several parts names each of them.
    when: (payload) => !payload.issues.some((i) => ['instanceId', 'submission', 'chat'].includes(String(i.path?.[0]))),
  })
  .superRefine((spec, ctx) => {
    // Checked at start where it is cheap: an inline list is at hand. A file's entries are read
    // by the worker (the CLI peeks a CSV's header; see start-command.ts).
    if (
      spec.submission.api === 'batch-put-contact' &&
      spec.dialList.kind === 'inline' &&
      !hasQueueOrSystemEndpoint(spec.defaults) &&
      !spec.dialList.entries.some(entryHasQueueOrSystemEndpoint)
    ) {
      ctx.addIssue({ code: 'custom', path: ['defaults', 'QueueId'], message: NO_QUEUE_ANYWHERE });
    }
    if (spec.callOutcomes !== undefined && spec.callOutcomes.smsOn.length > 0 && spec.chat === undefined) {
      ctx.addIssue({ code: 'custom', path: ['callOutcomes', 'smsOn'], message: SMS_NEEDS_CHAT });
    }
  });
export type CampaignSpec = z.infer<typeof campaignSpecSchema>;

const SMS_NEEDS_CHAT =
  "an SMS after a call goes out through the campaign's chat settings (StartOutboundChatContact): add `chat` (source phone number ARN and contact flow), or leave smsOn empty";
export type CampaignSpecInput = z.input<typeof campaignSpecSchema>;

type InstanceIdNeeds = { submission?: { api?: string }; chat?: unknown };

/** Which of the campaign's Connect calls name an instance; undefined when none does (a v2 campaign without SMS). */
function instanceIdNeededFor(spec: InstanceIdNeeds): 'batch-put-contact' | 'chat' | undefined {
  if (spec.submission?.api !== 'outbound-campaigns-v2') return 'batch-put-contact';
  return spec.chat !== undefined ? 'chat' : undefined;
}

const INSTANCE_ID_NEEDED = {
  'batch-put-contact': 'required: BatchPutContact creates the contacts on an Amazon Connect instance (an Outbound Campaigns v2 campaign needs none)',
  chat: 'required with SMS deflection (chat settings): StartOutboundChatContact sends each SMS through an Amazon Connect instance; set it, or start the v2 campaign without chat settings',
} as const;

/**
 * The instance a BatchPutContact or chat call names. The schema requires one for every
 * campaign that makes such a call, so a spec without one never gets here.
 */
export function connectInstanceId(spec: Pick<CampaignSpec, 'instanceId' | 'campaignId'>): string {
  if (spec.instanceId === undefined) throw new Error(`campaign ${spec.campaignId} names no Connect instance (instanceId), which this Connect call needs`);
  return spec.instanceId;
}

/** Why a campaign that no entry can be sent for is refused at start. */
export const NO_QUEUE_ANYWHERE =
  'neither QueueId nor SystemEndpoint is set, as a campaign default or on any entry of the dial list: every entry would be REJECTED (Connect needs one of them per contact)';

/** Whether these defaults give every entry a QueueId or a SystemEndpoint (the same test as entry-validation.ts). */
export function hasQueueOrSystemEndpoint(defaults: ContactDefaults): boolean {
  return Boolean(defaults.QueueId || defaults.SystemEndpoint?.Address);
}

function entryHasQueueOrSystemEndpoint(raw: unknown): boolean {
  const parsed = dialEntrySchema.safeParse(raw);
  return parsed.success && Boolean(parsed.data.QueueId || parsed.data.SystemEndpoint?.Address);
}

export function campaignWorkflowId(campaignId: string): string {
  return `campaign-${campaignId}`;
}

export function formatFromPath(path: string): DialListFormat | undefined {
  const ext = path.toLowerCase().split('.').pop();
  return dialListFormats.find((f) => f === ext);
}
