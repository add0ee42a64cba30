// The tables every migration together creates, sorted: both migration suites expect exactly these.
export const MIGRATED_TABLES = [
  'audit_log',
  'auth_account',
  'auth_session',
  'auth_user',
  'auth_verification',
  'dlq_entries',
  'dlq_entry_actions',
  'dlq_index_positions',
  'dlq_replay_job_entries',
  'dlq_replay_jobs',
  'events',
  'lag_samples',
  'routing_publications',
  'routing_versions',
  'sessions',
  'window_aggregates',
];
