CREATE TABLE `ivf_centroids` (
	`bucket` text PRIMARY KEY NOT NULL,
	`generation` integer DEFAULT 0 NOT NULL,
	`trained_size` integer DEFAULT 0 NOT NULL,
	`lists` integer DEFAULT 0 NOT NULL,
	`centroids` blob,
	`trained_by` text,
	`trained_at` integer,
	`claimed_by` text,
	`claimed_until` integer
);
--> statement-breakpoint
CREATE TABLE `runners` (
	`name` text PRIMARY KEY NOT NULL,
	`owner` text,
	`capabilities` text DEFAULT '{}' NOT NULL,
	`registered_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`last_seen` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
