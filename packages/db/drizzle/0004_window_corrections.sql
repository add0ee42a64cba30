-- Late-drop corrections get rows of their own in window_aggregates: `correction` (0 for a
-- partition's partial, n >= 1 for that partition's n-th correction) joins the primary key, so a
-- replayed correction rewrites its own row and a partial's upsert never overwrites one. Rows
-- already stored are partials and become correction 0.
--
-- Edited after generation (drizzle-kit wrote the three ALTER TABLEs in the middle) for
-- TimescaleDB: the key keeps window_start, the hypertable's time column, which every unique key
-- of a hypertable must include. Where 0001 also enabled compression (the Timescale License
-- build), TimescaleDB refuses to add a constraint to the table, and compression can only be
-- turned off once no chunk is compressed: so the compression policy is removed, compressed
-- chunks are decompressed, compression is turned off for the change and then on again with
-- 0001's settings, and the policy is added back with its interval; the policy compresses the
-- chunks again on its next runs. On plain PostgreSQL, and on TimescaleDB without compression,
-- only the three ALTER TABLEs run. TimescaleDB's functions are called in the schema that the
-- extension was created in, which need not be on the migration's search_path.
DO $$
DECLARE
  ts text;
  compressed boolean := false;
  compress_after interval;
BEGIN
  SELECT extnamespace::regnamespace::text INTO ts FROM pg_extension WHERE extname = 'timescaledb';
  IF ts IS NOT NULL THEN
    EXECUTE $q$
      SELECT coalesce(bool_or(compression_enabled), false)
        FROM timescaledb_information.hypertables
       WHERE hypertable_schema = current_schema() AND hypertable_name = 'window_aggregates'
    $q$ INTO compressed;
  END IF;

  IF compressed THEN
    EXECUTE $q$
      SELECT (config ->> 'compress_after')::interval
        FROM timescaledb_information.jobs
       WHERE proc_name = 'policy_compression'
         AND hypertable_schema = current_schema() AND hypertable_name = 'window_aggregates'
    $q$ INTO compress_after;
    IF compress_after IS NOT NULL THEN
      EXECUTE format('SELECT %s.remove_compression_policy(%L::regclass, if_exists => TRUE)',
        ts, 'window_aggregates');
    END IF;
    EXECUTE format(
      'SELECT count(%1$s.decompress_chunk(c, if_compressed => TRUE)) FROM %1$s.show_chunks(%2$L::regclass) c',
      ts, 'window_aggregates');
    ALTER TABLE window_aggregates SET (timescaledb.compress = false);
  END IF;

  ALTER TABLE window_aggregates ADD COLUMN correction integer DEFAULT 0 NOT NULL;
  ALTER TABLE window_aggregates DROP CONSTRAINT window_aggregates_pkey;
  ALTER TABLE window_aggregates ADD CONSTRAINT window_aggregates_pkey
    PRIMARY KEY (window_start, window_size, type, dimensions, source_partition, correction);

  IF compressed THEN
    ALTER TABLE window_aggregates
      SET (timescaledb.compress, timescaledb.compress_segmentby = 'window_size, type');
    IF compress_after IS NOT NULL THEN
      EXECUTE format(
        'SELECT %s.add_compression_policy(%L::regclass, %L::interval, if_not_exists => TRUE)',
        ts, 'window_aggregates', compress_after);
    END IF;
  END IF;
END
$$;
