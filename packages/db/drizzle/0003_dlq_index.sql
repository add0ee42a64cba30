-- The DLQ index (dlq_entries, dlq_entry_actions, dlq_index_positions).
-- Edited after generation: the foreign keys name "dlq_entries" without the "public" schema so
-- the migration also applies into a per-suite schema (runMigrations sets search_path); and the
-- custom SQL at the end adds trigram indexes for the inbox's text filter.
CREATE TABLE "dlq_entries" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"offset" bigint NOT NULL,
	"record_timestamp" timestamp with time zone,
	"envelope_version" text,
	"envelope_valid" boolean NOT NULL,
	"envelope_problem" text,
	"stage" text NOT NULL,
	"error_class" text NOT NULL,
	"error_message" text NOT NULL,
	"error_stack" text,
	"error_reason" text,
	"error_path" text,
	"retryable" boolean,
	"attempts" integer,
	"source_topic" text,
	"source_partition" integer,
	"source_offset" bigint,
	"source_timestamp" timestamp with time zone,
	"first_failure_at" timestamp with time zone,
	"last_failure_at" timestamp with time zone,
	"failed_at" timestamp with time zone NOT NULL,
	"worker_id" text,
	"app_version" text,
	"geoip_build" text,
	"signature" text NOT NULL,
	"signature_text" text NOT NULL,
	"event_id" text,
	"event_type" text,
	"headers" jsonb NOT NULL,
	"original_key" "bytea",
	"original_value" "bytea",
	"value_bytes" integer,
	"payload_text" text,
	"partial" jsonb,
	"status" text DEFAULT 'new' NOT NULL,
	"status_changed_at" timestamp with time zone,
	"status_changed_by" text,
	"indexed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dlq_entries_status_check" CHECK ("dlq_entries"."status" IN ('new', 'replayed', 'discarded', 'failed-again'))
);
--> statement-breakpoint
CREATE TABLE "dlq_entry_actions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"entry_id" bigint NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"status_before" text,
	"status_after" text,
	"job_id" bigint,
	"related_entry_id" bigint,
	"reason" text,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "dlq_index_positions" (
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"last_offset" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "dlq_index_positions_pkey" PRIMARY KEY("topic","partition")
);
--> statement-breakpoint
ALTER TABLE "dlq_entry_actions" ADD CONSTRAINT "dlq_entry_actions_entry_id_dlq_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "dlq_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dlq_entry_actions" ADD CONSTRAINT "dlq_entry_actions_related_entry_id_dlq_entries_id_fk" FOREIGN KEY ("related_entry_id") REFERENCES "dlq_entries"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dlq_entries_record_key" ON "dlq_entries" USING btree ("topic","partition","offset");--> statement-breakpoint
CREATE INDEX "dlq_entries_failed_at_idx" ON "dlq_entries" USING btree ("failed_at","id");--> statement-breakpoint
CREATE INDEX "dlq_entries_signature_idx" ON "dlq_entries" USING btree ("signature","failed_at","id","status","stage","error_class","event_type");--> statement-breakpoint
CREATE INDEX "dlq_entries_status_idx" ON "dlq_entries" USING btree ("status","failed_at","id");--> statement-breakpoint
CREATE INDEX "dlq_entries_stage_idx" ON "dlq_entries" USING btree ("stage","failed_at","id");--> statement-breakpoint
CREATE INDEX "dlq_entries_error_class_idx" ON "dlq_entries" USING btree ("error_class","failed_at","id");--> statement-breakpoint
CREATE INDEX "dlq_entries_event_type_idx" ON "dlq_entries" USING btree ("event_type","failed_at","id");--> statement-breakpoint
CREATE INDEX "dlq_entries_event_id_idx" ON "dlq_entries" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "dlq_entry_actions_entry_idx" ON "dlq_entry_actions" USING btree ("entry_id","at");--> statement-breakpoint
CREATE INDEX "dlq_entry_actions_job_idx" ON "dlq_entry_actions" USING btree ("job_id");
--> statement-breakpoint
-- Custom SQL: the inbox's text filter (ILIKE '%...%' on the error message or the payload) is
-- served by trigram indexes where pg_trgm can be had. The extension lives in one schema per
-- database; the operator class is named with that schema, so suites in their own schemas share
-- it. Without pg_trgm (or the right to create it) the filter still works, scanning instead.
DO $$
DECLARE
  ext_schema text;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    IF NOT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm') THEN
      RAISE NOTICE 'pg_trgm not available: the DLQ text filter scans instead';
      RETURN;
    END IF;
    BEGIN
      CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public;
    EXCEPTION
      WHEN insufficient_privilege THEN
        RAISE NOTICE 'no right to create pg_trgm: the DLQ text filter scans instead';
        RETURN;
      -- Another schema's migration created it at the same moment: it is there now.
      WHEN unique_violation THEN NULL;
    END;
  END IF;
  SELECT n.nspname INTO ext_schema
  FROM pg_extension x JOIN pg_namespace n ON n.oid = x.extnamespace
  WHERE x.extname = 'pg_trgm';
  EXECUTE format(
    'CREATE INDEX dlq_entries_message_trgm_idx ON dlq_entries USING gin (error_message %I.gin_trgm_ops)',
    ext_schema);
  EXECUTE format(
    'CREATE INDEX dlq_entries_payload_trgm_idx ON dlq_entries USING gin (payload_text %I.gin_trgm_ops)',
    ext_schema);
END $$;
