import { jsonBytes, MAX_CARRIED_ANSWER_BYTES } from './carried-budget';
import type { DeflectAnswer, DeflectionAnswerState } from './deflection';

/** Answers as carried across continue-as-new: oldest first. */
export type CarriedAnswers = [answerId: string, answer: DeflectAnswer][];

/**
 * The answers to deflections signalled with an answerId, for the callers that wait on them
 * (CampaignClient.deflect polls deflectionAnswerQuery within seconds). Bounded in bytes of
 * JSON, as they are carried across continue-as-new: the oldest answers go first once they
 * weigh more than MAX_CARRIED_ANSWER_BYTES (64 KiB). The newest answer is kept even alone over
 * the bound, but not carried: CampaignClient.deflect sends at most 250 ids a signal, whose
 * answer weighs under 64 KiB. Pure, so the workflow can hold one and carry it.
 */
export class DeflectionAnswers {
  private readonly answered: Map<string, { answer: DeflectAnswer; bytes: number }>;
  private readonly pending = new Set<string>();
  private bytes = 0;

  constructor(
    carried: CarriedAnswers = [],
    private readonly maxBytes = MAX_CARRIED_ANSWER_BYTES,
  ) {
    this.answered = new Map(carried.map(([id, answer]) => [id, { answer, bytes: weight(id, answer) }]));
    for (const { bytes } of this.answered.values()) this.bytes += bytes;
  }

  /** True when this answerId was seen before (a repeated signal): it must not be handled twice. */
  has(answerId: string): boolean {
    return this.pending.has(answerId) || this.answered.has(answerId);
  }

  begin(answerId: string): void {
    this.pending.add(answerId);
  }

  settle(answerId: string, answer: DeflectAnswer): void {
    this.pending.delete(answerId);
    const bytes = weight(answerId, answer);
    this.answered.set(answerId, { answer, bytes });
    this.bytes += bytes;
    for (const [oldest, old] of this.answered) {
      if (this.bytes <= this.maxBytes || oldest === answerId) break;
      this.answered.delete(oldest);
      this.bytes -= old.bytes;
    }
  }

  state(answerId: string): DeflectionAnswerState {
    const kept = this.answered.get(answerId);
    if (kept) return { state: 'answered', answer: kept.answer };
    return this.pending.has(answerId) ? { state: 'pending' } : { state: 'unknown' };
  }

  /** The answers to carry, oldest first, within the byte bound (an answer alone over it stays behind). */
  toCarried(): CarriedAnswers {
    const kept = [...this.answered].filter(([, { bytes }]) => bytes <= this.maxBytes);
    return kept.map(([id, { answer }]): [string, DeflectAnswer] => [id, answer]);
  }
}

/** What an answer adds to the carried state: its JSON, id and all. */
function weight(answerId: string, answer: DeflectAnswer): number {
  return jsonBytes([answerId, answer]) + 1;
}
