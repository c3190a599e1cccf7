/**
 * The product's metric names, one place for the workflow, the Connect client, the dashboard
 * and its test. Labels carry ids and codes only (campaign id, Connect API, lane, outcome,
 * failure code, status): never a phone number or other contact data.
 * Pure: workflow code imports it.
 */
export const metricNames = {
  /** Entries that reached an outcome, by `campaign_id`, `outcome`. */
  entries: 'connect_dialer_entries_total',
  /**
   * Entries that left an outcome they had been counted in, by `campaign_id`, `from`: an SMS sent
   * after the call moves its entry from CREATED to DEFLECTED. A campaign's count of an outcome
   * is entries_total − entries_superseded_total for it.
   */
  entriesSuperseded: 'connect_dialer_entries_superseded_total',
  /** FAILED entries by `campaign_id`, `failure_code`. */
  failedEntries: 'connect_dialer_failed_entries_total',
  /** Calls whose disposition became known, by `campaign_id`, `disposition` (REACHED, VOICEMAIL, …). */
  callDispositions: 'connect_dialer_call_dispositions_total',
  /** Redials scheduled (call outcomes: the entry waits `afterSeconds`, then is called again), by `campaign_id`, `disposition`. */
  redials: 'connect_dialer_redials_total',
  /** Entries put on a retry lane, by `campaign_id`, `lane`. */
  retries: 'connect_dialer_retries_total',
  /** SMS deflections sent, by `campaign_id`, `result` (sent, failed) and `when` (before_call, after_call). */
  deflections: 'connect_dialer_deflections_total',
  /** Campaigns that entered a status, by `status` (a continued run does not count again). */
  campaigns: 'connect_dialer_campaigns_total',
  /** The extra gap between batch starts the adaptive pace asks for, by `campaign_id`. */
  paceDelay: 'connect_dialer_pace_delay_seconds',
  /** The campaign's own cap on batch starts per second (0: none), by `campaign_id`. */
  rateCap: 'connect_dialer_rate_cap_per_second',
  /** Entries waiting for their calling window, by `campaign_id` and `zone` (IANA name, `unknown`, `other`). */
  waitingEntries: 'connect_dialer_waiting_entries',
  /** Batches the campaign has in flight, by `campaign_id`. */
  batchesInFlight: 'connect_dialer_batches_in_flight',
  /**
   * The shared rate in force: calls per second the workers hold each Connect task queue to,
   * for all campaigns and workers together, by `api` (set by every worker from its config).
   */
  sharedRate: 'connect_dialer_shared_rate_per_second',
  /** Every try of a Connect call, by `api` and `result` (ok, 429, 4xx, 5xx, network). */
  connectCalls: 'connect_dialer_connect_calls_total',
  /** Seconds per try of a Connect call, by `api` and `result`. */
  connectCallDuration: 'connect_dialer_connect_call_duration_seconds',
  /**
   * Connect calls that failed on the worker's own credentials, by `api` and `error`
   * (ExpiredTokenException, CredentialsProviderError, UnrecognizedClientException, …).
   */
  credentialErrors: 'connect_dialer_credential_errors_total',
  /** Campaigns that paused themselves, by `campaign_id` and `cause` (access_denied, resource_not_found, credentials): Connect refused its calls. */
  campaignPauses: 'connect_dialer_campaign_pauses_total',
} as const;
