-- training_attribute_catalog: every attribute, with the bundles (versions) that use it;
-- schema_link_patterns: data attribute -> table links with their support across pages and sites.
CREATE OR REPLACE VIEW training_attribute_catalog AS
WITH used AS (
    SELECT a.name AS attribute, count(*) AS bundle_versions
    FROM (SELECT unnest(attributes) AS a FROM read_json('{bundles}/*/*/manifest.json', union_by_name = true, filename = true)
          WHERE filename NOT LIKE '%/latest/%')
    GROUP BY 1
)
SELECT c.attribute, c.type, c.profile, c.description, c.functionalities, c.model_kinds AS model_types, c.coverage,
       coalesce(u.bundle_versions, 0) AS usage_count
FROM read_parquet('{aggregates}/attribute_catalog.parquet') c LEFT JOIN used u USING (attribute);

CREATE OR REPLACE VIEW schema_link_patterns AS
SELECT l.attribute AS data_attribute, l."table" AS table_name, 'maps-to' AS relationship, l.confidence, l.occurrences,
       l.pages, l.sites, l.first_seen, l.last_seen
FROM (SELECT unnest(links) AS l FROM read_json('{aggregates}/schema_links.json'));
