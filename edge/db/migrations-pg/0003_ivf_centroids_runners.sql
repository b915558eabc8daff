CREATE TABLE "ivf_centroids" (
	"bucket" text PRIMARY KEY NOT NULL,
	"generation" integer DEFAULT 0 NOT NULL,
	"trained_size" integer DEFAULT 0 NOT NULL,
	"lists" integer DEFAULT 0 NOT NULL,
	"centroids" "bytea",
	"trained_by" text,
	"trained_at" bigint,
	"claimed_by" text,
	"claimed_until" bigint
);
--> statement-breakpoint
CREATE TABLE "runners" (
	"name" text PRIMARY KEY NOT NULL,
	"owner" text,
	"capabilities" json DEFAULT '{}'::json NOT NULL,
	"registered_at" bigint DEFAULT ((extract(epoch from clock_timestamp()) * 1000)::bigint) NOT NULL,
	"last_seen" bigint DEFAULT ((extract(epoch from clock_timestamp()) * 1000)::bigint) NOT NULL
);
