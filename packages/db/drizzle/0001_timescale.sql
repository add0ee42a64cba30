-- TimescaleDB, when this database has it: the time-keyed tables become hypertables with
-- retention and (where the Timescale License build is present) compression policies.
-- On plain PostgreSQL this migration does nothing and the tables stay ordinary tables whose
-- primary keys lead with their time column, which serves the same range scans.
--
-- Why every unique key of these tables includes its time column: TimescaleDB requires the
-- partitioning column in every unique index of a hypertable.
--
-- Edited after it was first applied (drizzle records applied migrations by their timestamp,
-- so databases that ran the old text are not touched): it no longer reads
-- shared_preload_libraries, which only a superuser or pg_read_all_settings may read, so it
-- failed for the owner role that managed services give. Instead: an extension already created
-- (on a managed service the provider or the admin does that) is used wherever it lives; one
-- that is only available is created in the fixed schema public, never in the per-suite schema
-- that happens to run first (dropping that schema would drop it for the whole database). When it
-- cannot be created (no right to: TimescaleDB is not a trusted extension; or not preloaded), the
-- tables stay ordinary, with a notice saying why: to get hypertables, the admin runs
-- `CREATE EXTENSION timescaledb` before the first migration. Its functions are called with the
-- extension's schema, which need not be on the migration's search_path.
DO $$
DECLARE
  ts text;
  reason text;
BEGIN
  SELECT extnamespace::regnamespace::text INTO ts FROM pg_extension WHERE extname = 'timescaledb';
  IF ts IS NULL THEN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
      RAISE NOTICE 'TimescaleDB not available: keeping ordinary tables';
      RETURN;
    END IF;
    BEGIN
      CREATE EXTENSION IF NOT EXISTS timescaledb WITH SCHEMA public;
    EXCEPTION
      -- insufficient_privilege, or TimescaleDB's "must be preloaded" (which has no code of its
      -- own), or another schema's migration creating it at the same moment: checked below.
      WHEN OTHERS THEN reason := SQLERRM;
    END;
    SELECT extnamespace::regnamespace::text INTO ts FROM pg_extension WHERE extname = 'timescaledb';
    IF ts IS NULL THEN
      RAISE NOTICE 'TimescaleDB available but not created (%): keeping ordinary tables', reason;
      RETURN;
    END IF;
  END IF;

  EXECUTE format('SELECT %s.create_hypertable(%L::regclass, %L::name, chunk_time_interval => %L::interval, if_not_exists => TRUE, migrate_data => TRUE)',
    ts, 'events', 'event_time', '1 day');
  EXECUTE format('SELECT %s.create_hypertable(%L::regclass, %L::name, chunk_time_interval => %L::interval, if_not_exists => TRUE, migrate_data => TRUE)',
    ts, 'window_aggregates', 'window_start', '7 days');
  EXECUTE format('SELECT %s.create_hypertable(%L::regclass, %L::name, chunk_time_interval => %L::interval, if_not_exists => TRUE, migrate_data => TRUE)',
    ts, 'sessions', 'session_start', '7 days');
  EXECUTE format('SELECT %s.create_hypertable(%L::regclass, %L::name, chunk_time_interval => %L::interval, if_not_exists => TRUE, migrate_data => TRUE)',
    ts, 'lag_samples', 'sampled_at', '1 day');

  -- Retention and compression are Timescale License features; the Apache-2 build lacks them.
  IF current_setting('timescaledb.license', true) IS DISTINCT FROM 'timescale' THEN
    RAISE NOTICE 'TimescaleDB Apache build: hypertables without retention or compression policies';
    RETURN;
  END IF;

  EXECUTE format('SELECT %s.add_retention_policy(%L::regclass, %L::interval, if_not_exists => TRUE)',
    ts, 'events', '30 days');
  EXECUTE format('SELECT %s.add_retention_policy(%L::regclass, %L::interval, if_not_exists => TRUE)',
    ts, 'lag_samples', '14 days');
  EXECUTE format('SELECT %s.add_retention_policy(%L::regclass, %L::interval, if_not_exists => TRUE)',
    ts, 'sessions', '90 days');
  EXECUTE format('SELECT %s.add_retention_policy(%L::regclass, %L::interval, if_not_exists => TRUE)',
    ts, 'window_aggregates', '400 days');

  -- event_id is in the ordering because it is in the table's unique key (TimescaleDB warns
  -- otherwise).
  EXECUTE 'ALTER TABLE events SET (timescaledb.compress, timescaledb.compress_segmentby = ''type'', timescaledb.compress_orderby = ''event_time DESC, event_id'')';
  EXECUTE format('SELECT %s.add_compression_policy(%L::regclass, %L::interval, if_not_exists => TRUE)',
    ts, 'events', '7 days');
  EXECUTE 'ALTER TABLE window_aggregates SET (timescaledb.compress, timescaledb.compress_segmentby = ''window_size, type'')';
  EXECUTE format('SELECT %s.add_compression_policy(%L::regclass, %L::interval, if_not_exists => TRUE)',
    ts, 'window_aggregates', '30 days');
  EXECUTE 'ALTER TABLE lag_samples SET (timescaledb.compress, timescaledb.compress_segmentby = ''group_id'')';
  EXECUTE format('SELECT %s.add_compression_policy(%L::regclass, %L::interval, if_not_exists => TRUE)',
    ts, 'lag_samples', '2 days');
END
$$;
