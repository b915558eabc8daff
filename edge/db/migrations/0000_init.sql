CREATE TABLE `artifacts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model_id` text NOT NULL,
	`version` integer NOT NULL,
	`path` text NOT NULL,
	`size` integer,
	`sha256` text,
	`mime` text NOT NULL,
	`storage` text NOT NULL,
	`uri` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `artifacts_path_uq` ON `artifacts` (`model_id`,`version`,`path`);--> statement-breakpoint
CREATE INDEX `artifacts_sha_idx` ON `artifacts` (`sha256`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`type` text NOT NULL,
	`namespace` text,
	`model_id` text,
	`version` integer,
	`actor` text,
	`data` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `events_model_idx` ON `events` (`model_id`);--> statement-breakpoint
CREATE INDEX `events_ns_idx` ON `events` (`namespace`);--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`model_id` text NOT NULL,
	`version` integer NOT NULL,
	`status` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer DEFAULT 5 NOT NULL,
	`runner` text,
	`lease_until` integer,
	`payload` text DEFAULT '{}' NOT NULL,
	`log` text DEFAULT '' NOT NULL,
	`result` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `jobs_status_idx` ON `jobs` (`status`,`kind`);--> statement-breakpoint
CREATE TABLE `metrics` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model_id` text NOT NULL,
	`version` integer NOT NULL,
	`key` text NOT NULL,
	`value_number` real,
	`value_string` text,
	`value_bytes` blob,
	`step` integer DEFAULT 0 NOT NULL,
	`wall_clock` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `metrics_key_idx` ON `metrics` (`model_id`,`version`,`key`,`step`);--> statement-breakpoint
CREATE TABLE `models` (
	`id` text PRIMARY KEY NOT NULL,
	`seq` integer NOT NULL,
	`kind` text NOT NULL,
	`namespace` text NOT NULL,
	`owner` text NOT NULL,
	`name` text NOT NULL,
	`task` text,
	`description` text,
	`semantic` text,
	`metadata` text DEFAULT '{}' NOT NULL,
	`latest_version` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `models_seq_unique` ON `models` (`seq`);--> statement-breakpoint
CREATE INDEX `models_ns_idx` ON `models` (`namespace`);--> statement-breakpoint
CREATE INDEX `models_owner_idx` ON `models` (`owner`);--> statement-breakpoint
CREATE TABLE `settings` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tags` (
	`model_id` text NOT NULL,
	`tag` text NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tags_model_tag_uq` ON `tags` (`model_id`,`tag`);--> statement-breakpoint
CREATE TABLE `tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`hash` text NOT NULL,
	`owner` text NOT NULL,
	`email` text,
	`name` text DEFAULT '' NOT NULL,
	`scopes` text NOT NULL,
	`parent_id` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`expires_at` integer,
	`revoked_at` integer,
	`last_used_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `tokens_hash_unique` ON `tokens` (`hash`);--> statement-breakpoint
CREATE INDEX `tokens_owner_idx` ON `tokens` (`owner`);--> statement-breakpoint
CREATE TABLE `uploads` (
	`id` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`size` integer,
	`received` integer DEFAULT 0 NOT NULL,
	`client_hash` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `versions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`model_id` text NOT NULL,
	`number` integer NOT NULL,
	`package_sha256` text,
	`package_size` integer,
	`framework` text,
	`stat_specs` text DEFAULT '[]' NOT NULL,
	`semantic` text,
	`metadata` text DEFAULT '{}' NOT NULL,
	`check_status` integer DEFAULT 0 NOT NULL,
	`check_log` text DEFAULT '' NOT NULL,
	`created_by` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `versions_model_number_uq` ON `versions` (`model_id`,`number`);--> statement-breakpoint
CREATE INDEX `versions_sha_idx` ON `versions` (`package_sha256`);