CREATE TABLE `spec_sketches` (
	`version_id` integer PRIMARY KEY NOT NULL,
	`model_id` text NOT NULL,
	`dim` integer NOT NULL,
	`gamma` real NOT NULL,
	`features` integer NOT NULL,
	`seed` integer NOT NULL,
	`self_ip` real NOT NULL,
	`sketch` blob
);
--> statement-breakpoint
CREATE INDEX `spec_sketches_model_idx` ON `spec_sketches` (`model_id`);