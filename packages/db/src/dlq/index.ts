// The DLQ index's SQL: the indexer's writes and the inbox's reads.

export { type ExplainedQuery, explainAnalyze } from './dlq-explain.ts';
export {
  countDlqEntries,
  type DlqEntriesPage,
  type DlqEntryDetail,
  type DlqGroup,
  type DlqInboxFilter,
  type DlqPageCursor,
  dlqEntriesQuery,
  dlqGroupsQuery,
  dlqSummaryColumns,
  dlqWhere,
  getDlqEntry,
  listDlqEntries,
  listDlqGroups,
} from './dlq-inbox.ts';
export {
  type DlqEntryRow,
  type DlqIndexPosition,
  type DlqWriteMode,
  type DlqWriteResult,
  readDlqIndexPositions,
  writeDlqEntries,
} from './dlq-index-store.ts';
export {
  type AwaitingOutcome,
  type FailedAgainLink,
  linkFailedAgain,
  markReplayRowsSucceeded,
  replayRowsAwaitingOutcome,
  storedEventIds,
} from './dlq-replay-outcomes.ts';
export {
  type ClaimedReplayRow,
  claimReplayRows,
  createReplayJob,
  type DiscardResult,
  discardDlqEntries,
  getReplayJob,
  inFlightReplayRows,
  LIVE_REPLAY_STATES,
  listReplayJobs,
  loadReplayCandidates,
  lockReplayJob,
  markReplayRowsSent,
  type NewReplayJob,
  plannedReplayJobs,
  type ReplayCandidateRow,
  type ReplayJobItem,
  type ReplayJobRow,
  type ReplayJobSummary,
  type ReplaySelection,
  releaseReplayRows,
  setReplayJobStatus,
  unfinishedReplayJobs,
} from './dlq-replay-store.ts';
