// The public API of connect-dialer: what a service imports from 'connect-dialer'. Anything not
// exported here is internal; package.json `exports` keeps services from importing `src/...` paths.

export {
  CampaignClient,
  CampaignAlreadyRanError,
  CampaignInputError,
  CampaignStalledError,
  DeflectionUnansweredError,
  DEFAULT_TASK_QUEUE,
  DEFLECT_ANSWER_TIMEOUT_MS,
  type CampaignClientOptions,
  type StartedCampaign,
} from './client';
export type { CampaignStall } from './campaign-stall';
export { campaignIdSchema, campaignSpecSchema, type CampaignSpec, type CampaignSpecInput } from './domain/campaign';
export { outcomeKinds, outcomeRecordSchema, type OutcomeKind, type OutcomeRecord, type OutcomeCounts } from './domain/outcome';
export { campaignResultSchema, campaignStatuses, progressSchema, type CampaignResult, type CampaignStatus, type FinalStatus, type Progress } from './domain/progress';
export { deflectAnswerSchema, deflectRefusalReasons, deflectRequestSchema, type DeflectAnswer, type DeflectRequest } from './domain/deflection';
export type { ReportFormat } from './storage/report';
export { openCampaignDatabase, type CampaignDatabase, type DatabaseOptions } from './storage/database';
export { createCampaignStore, type CampaignStore } from './storage/campaign-store';
