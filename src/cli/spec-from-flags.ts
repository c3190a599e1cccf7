import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { CampaignInputError } from '../client';
import type { CampaignSpecInput } from '../domain/campaign';
import { callingRuleFlagOfField, callingRulesFromFlags, type CallingRuleFlags } from './calling-rule-flags';

/** The `start` flags that describe a campaign. */
export interface CampaignFlags extends CallingRuleFlags {
  config?: string;
  file?: string;
  format?: string;
  encoding?: string;
  phoneCheck?: string;
  campaignId?: string;
  instanceId?: string;
  api?: string;
  v2CampaignId?: string;
  requestTtl?: number;
  ringTimeout?: number;
  queueId?: string;
  systemPhone?: string;
  campaign?: string;
  agentFirst?: boolean;
  previewTimeout?: number;
  allowedActions?: string;
  attribute?: Record<string, string>;
  batchSize?: number;
  inFlight?: number;
  scheduleAhead?: number;
  rate?: number;
  adaptive?: boolean;
  chatSourceArn?: string;
  chatFlowId?: string;
  chatMessage?: string;
  phoneColumn?: string;
  idColumn?: string;
  queueColumn?: string;
}

type Json = Record<string, unknown>;

/**
 * The campaign the flags describe: `--config`'s JSON (if any) with the other flags laid
 * over it. Nothing is checked here beyond reading the file: the campaign schema (through
 * parseSpec) is the one judge of what is valid, and names the field when it is not.
 */
export async function campaignSpecFromFlags(flags: CampaignFlags): Promise<CampaignSpecInput> {
  const base = flags.config ? await readConfigFile(flags.config) : {};
  const over = specOverrides(flags);
  const merged = deepMerge(base, over);
  // A --file replaces the config's dial list rather than mixing with it.
  if (isObject(over.dialList) && over.dialList.path !== undefined) merged.dialList = over.dialList;
  return merged as CampaignSpecInput;
}

function specOverrides(f: CampaignFlags): Json {
  const preview =
    f.previewTimeout !== undefined || f.allowedActions !== undefined
      ? {
          Preview: prune({
            PostAcceptTimeoutConfig: f.previewTimeout !== undefined ? { DurationInSeconds: f.previewTimeout } : undefined,
            AllowedUserActions: f.allowedActions
              ?.split(',')
              .map((a) => a.trim().toUpperCase())
              .filter((a) => a !== ''),
          }),
        }
      : undefined;
  const agentFirst = f.agentFirst || preview ? prune({ Type: 'AGENT_FIRST', Config: preview && { AgentFirst: preview } }) : undefined;
  const columns = prune({ phoneNumber: f.phoneColumn, requestIdentifier: f.idColumn, queueId: f.queueColumn });
  const spec = prune({
    ...callingRulesFromFlags(f),
    campaignId: f.campaignId,
    instanceId: f.instanceId,
    defaults: prune({
      QueueId: f.queueId,
      SystemEndpoint: f.systemPhone !== undefined ? { Type: 'TELEPHONE_NUMBER', Address: f.systemPhone } : undefined,
      Campaign: f.campaign !== undefined ? { CampaignId: f.campaign } : undefined,
      OutboundStrategy: agentFirst,
      Attributes: f.attribute,
    }),
    validation: prune({ phone: f.phoneCheck }),
    submission: prune({
      api: f.api ?? (f.v2CampaignId !== undefined ? 'outbound-campaigns-v2' : undefined),
      campaignId: f.v2CampaignId,
      requestTtlSeconds: f.requestTtl,
      ringTimeout: f.ringTimeout,
    }),
    pacing: prune({ batchSize: f.batchSize, batchesInFlight: f.inFlight, scheduleAheadSeconds: f.scheduleAhead, batchesPerSecond: f.rate, adaptive: f.adaptive }),
    chat: prune({ sourcePhoneNumberArn: f.chatSourceArn, contactFlowId: f.chatFlowId, initialMessage: f.chatMessage }),
    dialList: prune({
      kind: f.file !== undefined || f.format !== undefined || f.encoding !== undefined || columns ? 'file' : undefined,
      path: f.file,
      format: f.format,
      encoding: f.encoding,
      columns,
    }),
  });
  return spec ?? {};
}

/** The flag that sets a campaign field, for messages about that field. */
const flagOfField: Record<string, string> = {
  campaignId: '--campaign-id',
  instanceId: '--instance-id',
  'submission.api': '--api',
  'submission.campaignId': '--v2-campaign-id',
  'submission.requestTtlSeconds': '--request-ttl',
  'submission.ringTimeout': '--ring-timeout',
  dialList: '--file or --config',
  'dialList.path': '--file',
  'dialList.format': '--format',
  'dialList.encoding': '--encoding',
  'validation.phone': '--phone-check',
  'dialList.columns.phoneNumber': '--phone-column',
  'dialList.columns.requestIdentifier': '--id-column',
  'dialList.columns.queueId': '--queue-column',
  'defaults.QueueId': '--queue-id',
  'defaults.SystemEndpoint.Address': '--system-phone',
  'defaults.Campaign.CampaignId': '--campaign',
  'defaults.OutboundStrategy.Config.AgentFirst.Preview.PostAcceptTimeoutConfig.DurationInSeconds': '--preview-timeout',
  'defaults.OutboundStrategy.Config.AgentFirst.Preview.PostAcceptTimeoutConfig': '--preview-timeout',
  'defaults.OutboundStrategy.Config.AgentFirst.Preview.AllowedUserActions': '--allowed-actions',
  'pacing.batchSize': '--batch-size',
  'pacing.batchesInFlight': '--in-flight',
  'pacing.scheduleAheadSeconds': '--schedule-ahead',
  'pacing.batchesPerSecond': '--rate',
  'chat.sourcePhoneNumberArn': '--chat-source-arn',
  'chat.contactFlowId': '--chat-flow-id',
  'chat.initialMessage': '--chat-message',
};

/** The same problems, each naming the flag that sets its field (when one does). */
export function withFlagHints(err: CampaignInputError): CampaignInputError {
  return new CampaignInputError(
    err.issues.map((i) => {
      const flag =
        flagOfField[i.field] ??
        callingRuleFlagOfField[i.field] ??
        (/^callingWindow\.hours\./.test(i.field) ? '--calling-hours' : undefined) ??
        (/^callingWindow\.restrictedDates\./.test(i.field) ? '--restricted-dates' : undefined) ??
        (/^defaults\.Attributes\./.test(i.field) ? '--attribute' : undefined);
      return flag ? { field: i.field, reason: `${i.reason} (${flag})` } : i;
    }),
  );
}

/** A whole campaign from JSON; a relative dial-list path is taken relative to the file. */
async function readConfigFile(path: string): Promise<Json> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new CampaignInputError([{ field: 'config', reason: `cannot read ${path}: ${(err as Error).message}` }]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new CampaignInputError([{ field: 'config', reason: `${path} is not JSON: ${(err as Error).message}` }]);
  }
  if (!isObject(doc)) throw new CampaignInputError([{ field: 'config', reason: `${path} must hold a JSON object (a campaign spec)` }]);
  const list = doc.dialList;
  if (isObject(list) && typeof list.path === 'string' && !isAbsolute(list.path)) {
    return { ...doc, dialList: { ...list, path: resolve(dirname(path), list.path) } };
  }
  return doc;
}

/** Parses `key=value` for `--attribute`, collecting repeats into one map. */
export function attributeArg(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq < 0) throw new InvalidArgumentError(`"${value}" is not key=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isObject(b) && isObject(v) ? deepMerge(b, v) : v;
  }
  return out;
}

/** The object without its undefined members; undefined when none is left. */
function prune(o: Json): Json | undefined {
  const kept = Object.entries(o).filter(([, v]) => v !== undefined);
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
