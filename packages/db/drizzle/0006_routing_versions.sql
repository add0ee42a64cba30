-- Routing rules as managed config: immutable numbered versions (routing_versions) and every
-- change of the version in force (routing_publications; the last row is in force). Edited after
-- generation: the foreign key names its table without the "public" schema so the migration also
-- applies into a per-suite schema, as 0003 and 0005 do.
CREATE TABLE "routing_publications" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"version" integer NOT NULL,
	"previous_version" integer,
	"action" text NOT NULL,
	"by" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"note" text,
	CONSTRAINT "routing_publications_action_check" CHECK ("routing_publications"."action" IN ('publish', 'rollback', 'import'))
);
--> statement-breakpoint
CREATE TABLE "routing_versions" (
	"version" integer PRIMARY KEY NOT NULL,
	"config" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"note" text,
	"source" text NOT NULL,
	CONSTRAINT "routing_versions_source_check" CHECK ("routing_versions"."source" IN ('console', 'cli', 'file'))
);
--> statement-breakpoint
ALTER TABLE "routing_publications" ADD CONSTRAINT "routing_publications_version_routing_versions_version_fk" FOREIGN KEY ("version") REFERENCES "routing_versions"("version") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "routing_publications_version_idx" ON "routing_publications" USING btree ("version");