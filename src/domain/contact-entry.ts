import { z } from 'zod';
import type { ContactDataRequest } from '@aws-sdk/client-connect';
import { MAX_ADDRESS_LENGTH, MAX_CAMPAIGN_ID_LENGTH, MAX_REQUEST_IDENTIFIER_LENGTH } from './limits';

const endpointTypes = ['TELEPHONE_NUMBER', 'VOIP', 'CONTACT_FLOW', 'CONNECT_PHONENUMBER_ARN', 'EMAIL_ADDRESS'] as const;

const endpointSchema = z.object({
  Type: z.enum(endpointTypes),
  Address: z.string().max(MAX_ADDRESS_LENGTH),
});

const outboundStrategySchema = z.object({
  Type: z.literal('AGENT_FIRST'),
  Config: z
    .object({
      AgentFirst: z
        .object({
          Preview: z
            .object({
              PostAcceptTimeoutConfig: z.object({ DurationInSeconds: z.number().int().min(0) }),
              AllowedUserActions: z.array(z.enum(['CALL', 'DISCARD'])),
            })
            .optional(),
        })
        .optional(),
    })
    .optional(),
});

/**
 * One dial-list entry, in exactly the shape of one item of the AWS CLI's
 * `--contact-data-request-list`, so users can reuse their AWS CLI input files. Shapes are
 * checked loosely here (wrong types are reported, unknown members dropped); the rules that
 * make an entry sendable live in entry-validation.ts so that one bad entry is REJECTED
 * with its field and reason instead of failing a whole file.
 */
export const dialEntrySchema = z.object({
  RequestIdentifier: z.string().optional(),
  CustomerEndpoint: endpointSchema.partial().optional(),
  SystemEndpoint: endpointSchema.partial().optional(),
  QueueId: z.string().optional(),
  Attributes: z.record(z.string(), z.string()).optional(),
  Campaign: z.object({ CampaignId: z.string() }).optional(),
  OutboundStrategy: outboundStrategySchema.optional(),
});
export type DialEntry = z.infer<typeof dialEntrySchema>;

/** Settings applied to every entry of a campaign unless the entry sets its own. */
export const contactDefaultsSchema = z.object({
  QueueId: z.string().min(1).optional(),
  SystemEndpoint: endpointSchema.optional(),
  Attributes: z.record(z.string(), z.string()).optional(),
  Campaign: z.object({ CampaignId: z.string().min(1).max(MAX_CAMPAIGN_ID_LENGTH) }).optional(),
  OutboundStrategy: outboundStrategySchema.optional(),
});
export type ContactDefaults = z.infer<typeof contactDefaultsSchema>;

/** A validated entry as staged: its position in the list and a RequestIdentifier it is sure to have. */
export const stagedEntrySchema = z.object({
  index: z.number().int().min(0),
  entry: dialEntrySchema.extend({ RequestIdentifier: z.string().min(1).max(MAX_REQUEST_IDENTIFIER_LENGTH) }),
});
export type StagedEntry = z.infer<typeof stagedEntrySchema>;

/** The BatchPutContact request item for an entry: the entry's own members win over the defaults. */
export function toContactDataRequest(entry: DialEntry, defaults: ContactDefaults): ContactDataRequest {
  const attributes = { ...defaults.Attributes, ...entry.Attributes };
  return prune({
    RequestIdentifier: entry.RequestIdentifier,
    CustomerEndpoint: entry.CustomerEndpoint,
    SystemEndpoint: entry.SystemEndpoint ?? defaults.SystemEndpoint,
    QueueId: entry.QueueId ?? defaults.QueueId,
    Attributes: Object.keys(attributes).length > 0 ? attributes : undefined,
    Campaign: entry.Campaign ?? defaults.Campaign,
    OutboundStrategy: entry.OutboundStrategy ?? defaults.OutboundStrategy,
  });
}

function prune<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
