import type { DeflectAnswer, DeflectionAnswerState } from './deflection';

/** Answers kept at most, counted in RequestIdentifiers: callers read theirs within seconds. */
const MAX_KEPT_ANSWER_IDS = 5_000;

/** Answers as carried across continue-as-new: oldest first. */
export type CarriedAnswers = [answerId: string, answer: DeflectAnswer][];

/**
 * The answers to deflections signalled with an answerId, for the callers that wait on them
 * (CampaignClient.deflect polls deflectionAnswerQuery). Bounded: the oldest answers go first
 * once they hold more than MAX_KEPT_ANSWER_IDS RequestIdentifiers. Pure, so the workflow can
 * hold one and carry it across continue-as-new.
 */
export class DeflectionAnswers {
  private readonly answered: Map<string, DeflectAnswer>;
  private readonly pending = new Set<string>();
  private ids = 0;

  constructor(
    carried: CarriedAnswers = [],
    private readonly maxIds = MAX_KEPT_ANSWER_IDS,
  ) {
    this.answered = new Map(carried);
    for (const answer of this.answered.values()) this.ids += size(answer);
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
    this.answered.set(answerId, answer);
    this.ids += size(answer);
    for (const [oldest, old] of this.answered) {
      if (this.ids <= this.maxIds || oldest === answerId) break;
      this.answered.delete(oldest);
      this.ids -= size(old);
    }
  }

  state(answerId: string): DeflectionAnswerState {
    const answer = this.answered.get(answerId);
    if (answer) return { state: 'answered', answer };
    return this.pending.has(answerId) ? { state: 'pending' } : { state: 'unknown' };
  }

  toCarried(): CarriedAnswers {
    return [...this.answered];
  }
}

function size(answer: DeflectAnswer): number {
  return answer.accepted.length + answer.refused.length;
}
