CREATE TABLE "params" (
	"model_id" text NOT NULL,
	"version" integer NOT NULL,
	"key" text NOT NULL,
	"value" text NOT NULL,
	"created_at" bigint DEFAULT ((extract(epoch from clock_timestamp()) * 1000)::bigint) NOT NULL
);
--> statement-breakpoint
ALTER TABLE "artifacts" ADD COLUMN "file_type" text;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "label" text;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "name" text;--> statement-breakpoint
ALTER TABLE "versions" ADD COLUMN "description" text;--> statement-breakpoint
CREATE UNIQUE INDEX "params_key_uq" ON "params" USING btree ("model_id","version","key");--> statement-breakpoint
CREATE UNIQUE INDEX "models_ns_name_uq" ON "models" USING btree ("namespace","name") WHERE kind = 'model';--> statement-breakpoint
CREATE UNIQUE INDEX "versions_model_label_uq" ON "versions" USING btree ("model_id","label") WHERE label is not null;