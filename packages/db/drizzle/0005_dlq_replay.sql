-- Replay jobs of the DLQ (dlq_replay_jobs) and what became of each entry in a job
-- (dlq_replay_job_entries). Edited after generation: the foreign keys name their tables without
-- the "public" schema so the migration also applies into a per-suite schema, as 0003 does.
CREATE TABLE "dlq_replay_job_entries" (
	"job_id" bigint NOT NULL,
	"entry_id" bigint NOT NULL,
	"seq" integer NOT NULL,
	"state" text NOT NULL,
	"skip_reason" text,
	"skip_detail" text,
	"skip_job_id" bigint,
	"event_id" text,
	"target_topic" text,
	"key" "bytea",
	"payload" "bytea",
	"edited" boolean DEFAULT false NOT NULL,
	"claimed_at" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"outcome_at" timestamp with time zone,
	"new_entry_id" bigint,
	CONSTRAINT "dlq_replay_job_entries_pkey" PRIMARY KEY("job_id","entry_id"),
	CONSTRAINT "dlq_replay_job_entries_state_check" CHECK ("dlq_replay_job_entries"."state" IN ('pending', 'sending', 'sent', 'succeeded', 'failed-again', 'skipped', 'would-send'))
);
--> statement-breakpoint
CREATE TABLE "dlq_replay_jobs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"selection" jsonb NOT NULL,
	"target" text NOT NULL,
	"target_stage" text,
	"edit" jsonb,
	"rate_limit" real,
	"dry_run" boolean NOT NULL,
	"status" text NOT NULL,
	"status_reason" text,
	"started_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	CONSTRAINT "dlq_replay_jobs_status_check" CHECK ("dlq_replay_jobs"."status" IN ('planned', 'running', 'done', 'failed', 'dry-run'))
);
--> statement-breakpoint
ALTER TABLE "dlq_replay_job_entries" ADD CONSTRAINT "dlq_replay_job_entries_job_id_dlq_replay_jobs_id_fk" FOREIGN KEY ("job_id") REFERENCES "dlq_replay_jobs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dlq_replay_job_entries" ADD CONSTRAINT "dlq_replay_job_entries_entry_id_dlq_entries_id_fk" FOREIGN KEY ("entry_id") REFERENCES "dlq_entries"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "dlq_replay_job_entries" ADD CONSTRAINT "dlq_replay_job_entries_new_entry_id_dlq_entries_id_fk" FOREIGN KEY ("new_entry_id") REFERENCES "dlq_entries"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "dlq_replay_job_entries_live_key" ON "dlq_replay_job_entries" USING btree ("entry_id") WHERE "dlq_replay_job_entries"."state" IN ('pending', 'sending', 'sent', 'succeeded');--> statement-breakpoint
CREATE INDEX "dlq_replay_job_entries_job_idx" ON "dlq_replay_job_entries" USING btree ("job_id","state","seq");--> statement-breakpoint
CREATE INDEX "dlq_replay_job_entries_event_idx" ON "dlq_replay_job_entries" USING btree ("event_id");--> statement-breakpoint
CREATE INDEX "dlq_replay_jobs_created_idx" ON "dlq_replay_jobs" USING btree ("created_at","id");