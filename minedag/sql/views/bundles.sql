-- ml_training_bundles: one row per bundle version (its manifest); bundle_members: one row per URL of a version.
CREATE OR REPLACE VIEW ml_training_bundles AS
SELECT functionality, version, description, created_at, data_as_of,
       counts.members AS members, counts.excluded AS excluded, counts.total_urls AS total_urls,
       counts.average_quality AS average_quality, counts.splits AS splits,
       len(targets) AS targets, len(attributes) AS attributes, model_types, hf_tasks,
       version IN (SELECT version FROM bundle_latest b WHERE b.functionality = m.functionality) AS is_latest
FROM read_json('{bundles}/*/*/manifest.json', union_by_name = true, filename = true) m
WHERE filename NOT LIKE '%/latest/%';

CREATE OR REPLACE VIEW bundle_members AS
SELECT regexp_extract(filename, '/([^/]+)/([^/]+)/(train|validation|test)/[^/]+\.parquet$', 1) AS functionality,
       regexp_extract(filename, '/([^/]+)/([^/]+)/(train|validation|test)/[^/]+\.parquet$', 2) AS version,
       regexp_extract(filename, '/([^/]+)/([^/]+)/(train|validation|test)/[^/]+\.parquet$', 3) AS split,
       url, site
FROM read_parquet('{bundles}/*/*/*/part-0.parquet', union_by_name = true, filename = true)
WHERE filename NOT LIKE '%/latest/%';
