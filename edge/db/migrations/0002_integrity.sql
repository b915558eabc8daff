CREATE TABLE `namespaces` (
	`name` text PRIMARY KEY NOT NULL,
	`owner` text NOT NULL,
	`members` text DEFAULT '[]' NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
ALTER TABLE `uploads` ADD `state` text DEFAULT 'open' NOT NULL;--> statement-breakpoint
ALTER TABLE `uploads` ADD `result` text;--> statement-breakpoint
CREATE INDEX `uploads_owner_idx` ON `uploads` (`owner`,`state`);