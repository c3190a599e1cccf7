import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Registered on the dev server the project starts (see src/dev/temporal-server.ts). */
export const campaignIdKey = defineSearchAttributeKey('CampaignId', SearchAttributeType.KEYWORD);
export const campaignStatusKey = defineSearchAttributeKey('CampaignStatus', SearchAttributeType.KEYWORD);

export const searchAttributeRegistrations: readonly string[] = ['CampaignId=Keyword', 'CampaignStatus=Keyword'];
