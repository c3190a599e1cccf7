import type { CampaignStore, DeflectionRecord, ReadyDeflection } from '../storage/campaign-store';
import type { CarriedDeflection } from './index';

/** The activities that keep a campaign's deflections in the store: the campaign holds their orders, not them. */
export function deflectionActivities(store: CampaignStore) {
  return {
    /** Records deflections a campaign accepted, with the request's text. */
    async recordDeflections(input: { campaignKey: string; deflections: DeflectionRecord[]; message?: string; attributes?: Record<string, string> }): Promise<void> {
      const text = { message: input.message, attributes: input.attributes };
      await store.recordDeflections(
        input.campaignKey,
        input.deflections.map((d) => ({ ...d, ...text })),
      );
    },

    /** Orders deflections whose batch answered: the SMS pump may send them now. */
    async releaseDeflections(input: { campaignKey: string; released: { index: number; order: number; afterCall: boolean }[] }): Promise<void> {
      await store.releaseDeflections(input.campaignKey, input.released);
    },

    /** The SMS pump's next page: deflections ordered after `afterOrder`. */
    async readyDeflections(input: { campaignKey: string; afterOrder: number; max: number }): Promise<ReadyDeflection[]> {
      return store.readyDeflections(input.campaignKey, input.afterOrder, input.max);
    },

    /** Moves what a version-2 carried state held into the store: its pending deflections (ordered) and every id it deflected. */
    async importDeflections(input: { campaignKey: string; pending: CarriedDeflection[]; requestIdentifiers: string[] }): Promise<void> {
      await store.recordDeflections(input.campaignKey, input.pending);
      await store.markDeflected(input.campaignKey, input.requestIdentifiers);
    },
  };
}
