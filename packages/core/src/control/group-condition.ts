// What a stage's consumer group is doing, as Kafka reports it, beside the state the control plane
// asked for: a paused stage whose group is rebalancing, a running stage whose group is empty (no
// worker up) or dead (no member and no committed offset left). Kafka does not say since when a
// group is in a state, so the console notes when it first saw the change; the first look of a
// process cannot know, and says so (since: null).
import type { StageState } from './stage-control.ts';

export type GroupPhase = 'stable' | 'rebalancing' | 'empty' | 'dead' | 'unknown';

/** librdkafka's group state names (ConsumerGroupStates) to what an operator reads. */
export function groupPhaseOf(kafkaState: string): GroupPhase {
  switch (kafkaState) {
    case 'Stable':
      return 'stable';
    case 'PreparingRebalance':
    case 'CompletingRebalance':
      return 'rebalancing';
    case 'Empty':
      return 'empty';
    case 'Dead':
      return 'dead';
    default:
      return 'unknown';
  }
}

export interface PhaseSeen {
  phase: GroupPhase;
  /** When this process first saw the group in this phase; null if it was so at the first look. */
  since: string | null;
}

/**
 * The phase seen now, given what was seen before: the same phase keeps its start; a change
 * starts now; the first look has no start (the group may have been so for hours).
 */
export function observePhase(
  before: PhaseSeen | undefined,
  phase: GroupPhase,
  nowIso: string,
): PhaseSeen {
  if (!before) return { phase, since: null };
  if (before.phase === phase) return before;
  return { phase, since: nowIso };
}

/**
 * One line for the overview and the stages table: the control state, and the group's phase where
 * it says something the control state does not (a stopped stage's group is empty by design).
 */
export function describeStageCondition(control: StageState, phase: GroupPhase): string {
  switch (phase) {
    case 'rebalancing':
      return `${control}, rebalancing`;
    case 'empty':
      return control === 'stopped' ? control : `${control}, group empty (no member)`;
    case 'dead':
      return `${control}, group dead (no member, no offsets)`;
    case 'unknown':
      return `${control}, group state unknown`;
    case 'stable':
      return control === 'stopped' ? `${control}, members still leaving` : control;
  }
}

/** What the group's phase adds to the control state, if anything (see describeStageCondition). */
const phaseShows = (control: StageState, phase: GroupPhase) =>
  describeStageCondition(control, phase) !== control;

/**
 * A stage's condition for the overview and the stages table: the text, and since when it holds:
 * the group phase's start where the phase shows (null when this console has not seen it begin),
 * else the control state's (null when never set).
 */
export function stageCondition(
  control: { state: StageState; at: string | null },
  seen: PhaseSeen | null,
): { text: string; since: string | null } {
  const phase = seen?.phase ?? 'unknown';
  return {
    text: describeStageCondition(control.state, phase),
    since: phaseShows(control.state, phase) ? (seen?.since ?? null) : control.at,
  };
}
