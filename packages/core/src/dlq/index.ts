// The DLQ index's pure part: reading a dead letter into an index entry, its error signature,
// the inbox's filters and cursor, how a payload is shown, and replay: its plan and its loop.
export {
  DEFAULT_DLQ_ENTRY_LIMITS,
  type DlqEntry,
  type DlqEntryLimits,
  type DlqTopicRecord,
  decodeDlqEntry,
  type EnvelopeCheck,
  type IndexedHeaderValue,
} from './dlq-entry.ts';
export {
  DLQ_STATUSES,
  type DlqCursor,
  type DlqFilter,
  type DlqStatus,
  decodeDlqCursor,
  dlqFilterSchema,
  encodeDlqCursor,
  parseSince,
  type SinceParse,
} from './dlq-filter.ts';
export {
  type ErrorSignature,
  errorSignature,
  MAX_SIGNATURE_MESSAGE_CHARS,
  normaliseErrorMessage,
  type SignatureInput,
} from './error-signature.ts';
export { MAX_HEX_BYTES, type PayloadView, viewPayload } from './payload-view.ts';
export {
  MAX_REPLAY_ENTRIES,
  type PlannedReplayJob,
  planAndRecordReplay,
  ReplayInputError,
  type ReplayJobPorts,
  type ReplayJobRecord,
  type ReplayRequest,
  type ReplaySelectionInput,
} from './replay-job.ts';
export {
  type ReplayJobFacts,
  type ReplayJobState,
  type ReplayJobView,
  replayJobView,
  resumeRefusal,
} from './replay-job-state.ts';
export {
  applyMergePatch,
  type EditValidation,
  planReplay,
  REPLAY_HEADERS,
  REPLAY_STAGES,
  type ReplayCandidate,
  type ReplayEdit,
  type ReplayMarkHeaders,
  type ReplayPlanItem,
  type ReplayPlanOptions,
  type ReplayStage,
  type ReplayTarget,
  readReplayHeaders,
  replayHeaders,
  replaySinksFor,
  type SkipReason,
  validateEditedEvent,
} from './replay-plan.ts';
export {
  type ReplayRecord,
  type ReplayRow,
  type ReplayRunOptions,
  type ReplayRunResult,
  type ReplayStorePort,
  type ReplayTransportPort,
  runReplayJob,
} from './replay-runner.ts';
