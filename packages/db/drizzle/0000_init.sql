CREATE TABLE "audit_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"target" text,
	"affected" integer,
	"source_ip" text,
	"details" jsonb
);
--> statement-breakpoint
CREATE TABLE "events" (
	"event_time" timestamp with time zone NOT NULL,
	"event_id" text NOT NULL,
	"type" text NOT NULL,
	"user_id" text NOT NULL,
	"session_id" text NOT NULL,
	"url" text,
	"referrer" text,
	"ip" text,
	"country" text,
	"country_code" text,
	"region" text,
	"city" text,
	"latitude" double precision,
	"longitude" double precision,
	"browser" text,
	"browser_version" text,
	"os" text,
	"device_type" text,
	"properties" jsonb,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "events_pkey" PRIMARY KEY("event_time","event_id")
);
--> statement-breakpoint
CREATE TABLE "lag_samples" (
	"sampled_at" timestamp with time zone NOT NULL,
	"group_id" text NOT NULL,
	"topic" text NOT NULL,
	"partition" integer NOT NULL,
	"committed_offset" bigint,
	"end_offset" bigint NOT NULL,
	"offset_lag" bigint,
	"time_lag_s" double precision,
	"time_lag_estimated" boolean DEFAULT false NOT NULL,
	"status" text NOT NULL,
	CONSTRAINT "lag_samples_pkey" PRIMARY KEY("sampled_at","group_id","topic","partition")
);
--> statement-breakpoint
CREATE TABLE "sessions" (
	"session_start" timestamp with time zone NOT NULL,
	"session_id" text NOT NULL,
	"user_id" text NOT NULL,
	"session_end" timestamp with time zone NOT NULL,
	"duration_ms" bigint NOT NULL,
	"event_count" integer NOT NULL,
	"pageview_count" integer NOT NULL,
	"entry_url" text,
	"exit_url" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "sessions_pkey" PRIMARY KEY("session_start","session_id")
);
--> statement-breakpoint
CREATE TABLE "window_aggregates" (
	"window_start" timestamp with time zone NOT NULL,
	"window_size" text NOT NULL,
	"type" text NOT NULL,
	"dimensions" text DEFAULT '' NOT NULL,
	"source_partition" integer NOT NULL,
	"count" bigint NOT NULL,
	"late_accepted" bigint DEFAULT 0 NOT NULL,
	"late_dropped" bigint DEFAULT 0 NOT NULL,
	"unique_users_sketch" "bytea" NOT NULL,
	"unique_users_estimate" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "window_aggregates_pkey" PRIMARY KEY("window_start","window_size","type","dimensions","source_partition")
);
--> statement-breakpoint
CREATE INDEX "audit_log_at_idx" ON "audit_log" USING btree ("at");--> statement-breakpoint
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor","at");--> statement-breakpoint
CREATE INDEX "events_type_time_idx" ON "events" USING btree ("type","event_time");--> statement-breakpoint
CREATE INDEX "events_session_idx" ON "events" USING btree ("session_id","event_time");--> statement-breakpoint
CREATE INDEX "lag_samples_group_time_idx" ON "lag_samples" USING btree ("group_id","sampled_at");--> statement-breakpoint
CREATE INDEX "sessions_user_idx" ON "sessions" USING btree ("user_id","session_start");--> statement-breakpoint
CREATE INDEX "window_aggregates_size_start_idx" ON "window_aggregates" USING btree ("window_size","window_start");