CREATE TABLE `params` (
	`model_id` text NOT NULL,
	`version` integer NOT NULL,
	`key` text NOT NULL,
	`value` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `params_key_uq` ON `params` (`model_id`,`version`,`key`);--> statement-breakpoint
ALTER TABLE `artifacts` ADD `file_type` text;--> statement-breakpoint
ALTER TABLE `versions` ADD `label` text;--> statement-breakpoint
ALTER TABLE `versions` ADD `name` text;--> statement-breakpoint
ALTER TABLE `versions` ADD `description` text;--> statement-breakpoint
CREATE UNIQUE INDEX `versions_model_label_uq` ON `versions` (`model_id`,`label`) WHERE label is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `models_ns_name_uq` ON `models` (`namespace`,`name`) WHERE kind = 'model';