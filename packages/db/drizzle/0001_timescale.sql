-- TimescaleDB, when this server has it: the time-keyed tables become hypertables with
-- retention and (where the Timescale License build is present) compression policies.
-- On plain PostgreSQL this migration does nothing and the tables stay ordinary tables whose
-- primary keys lead with their time column, which serves the same range scans.
--
-- Why every unique key of these tables includes its time column: TimescaleDB requires the
-- partitioning column in every unique index of a hypertable.
DO $$
DECLARE
  preload text := coalesce(current_setting('shared_preload_libraries', true), '');
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')
     OR position('timescaledb' in preload) = 0 THEN
    RAISE NOTICE 'TimescaleDB not available: keeping ordinary tables';
    RETURN;
  END IF;

  CREATE EXTENSION IF NOT EXISTS timescaledb;

  PERFORM create_hypertable('events', 'event_time',
    chunk_time_interval => INTERVAL '1 day', if_not_exists => TRUE, migrate_data => TRUE);
  PERFORM create_hypertable('window_aggregates', 'window_start',
    chunk_time_interval => INTERVAL '7 days', if_not_exists => TRUE, migrate_data => TRUE);
  PERFORM create_hypertable('sessions', 'session_start',
    chunk_time_interval => INTERVAL '7 days', if_not_exists => TRUE, migrate_data => TRUE);
  PERFORM create_hypertable('lag_samples', 'sampled_at',
    chunk_time_interval => INTERVAL '1 day', if_not_exists => TRUE, migrate_data => TRUE);

  -- Retention and compression are Timescale License features; the Apache-2 build lacks them.
  IF current_setting('timescaledb.license', true) IS DISTINCT FROM 'timescale' THEN
    RAISE NOTICE 'TimescaleDB Apache build: hypertables without retention or compression policies';
    RETURN;
  END IF;

  PERFORM add_retention_policy('events', INTERVAL '30 days', if_not_exists => TRUE);
  PERFORM add_retention_policy('lag_samples', INTERVAL '14 days', if_not_exists => TRUE);
  PERFORM add_retention_policy('sessions', INTERVAL '90 days', if_not_exists => TRUE);
  PERFORM add_retention_policy('window_aggregates', INTERVAL '400 days', if_not_exists => TRUE);

  EXECUTE 'ALTER TABLE events SET (timescaledb.compress, timescaledb.compress_segmentby = ''type'', timescaledb.compress_orderby = ''event_time DESC'')';
  PERFORM add_compression_policy('events', INTERVAL '7 days', if_not_exists => TRUE);
  EXECUTE 'ALTER TABLE window_aggregates SET (timescaledb.compress, timescaledb.compress_segmentby = ''window_size, type'')';
  PERFORM add_compression_policy('window_aggregates', INTERVAL '30 days', if_not_exists => TRUE);
  EXECUTE 'ALTER TABLE lag_samples SET (timescaledb.compress, timescaledb.compress_segmentby = ''group_id'')';
  PERFORM add_compression_policy('lag_samples', INTERVAL '2 days', if_not_exists => TRUE);
END
$$;
