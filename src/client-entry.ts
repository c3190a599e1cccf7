// 'connect-dialer/client': what a service needs to start, steer and read campaigns — the
// CampaignClient, the schemas of its inputs and answers, and its errors. It loads the Temporal
// client and zod, and nothing of the store (pg, PGlite), the emulator, the worker or the dev
// tools: test/package.test.ts checks the modules it loads.

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
export type { CampaignListing, ListCampaignsOptions } from './campaign-list';
export { campaignIdSchema, campaignSpecSchema, type CampaignSpec, type CampaignSpecInput } from './domain/campaign';
export { outcomeKinds, outcomeRecordSchema, type OutcomeKind, type OutcomeRecord, type OutcomeCounts } from './domain/outcome';
export { campaignResultSchema, campaignStatuses, progressSchema, type CampaignResult, type CampaignStatus, type FinalStatus, type Progress } from './domain/progress';
export { deflectAnswerSchema, deflectRefusalReasons, deflectRequestSchema, type DeflectAnswer, type DeflectRequest } from './domain/deflection';
export type { ReportFormat } from './storage/report';
