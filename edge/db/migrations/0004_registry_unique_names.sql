-- Registry model names become unique per namespace (0005 adds the index). Models created
-- before that with a name already taken in their namespace keep their id and are renamed
-- `<name>-<id>`, so the index can be built and nothing is lost.
UPDATE `models` SET `name` = `name` || '-' || `id`
WHERE `kind` = 'model' AND EXISTS (
  SELECT 1 FROM `models` AS `m2`
  WHERE `m2`.`kind` = 'model' AND `m2`.`namespace` = `models`.`namespace` AND `m2`.`name` = `models`.`name` AND `m2`.`seq` < `models`.`seq`
);
