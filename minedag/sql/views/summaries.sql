-- The four questions asked first.
CREATE OR REPLACE VIEW coverage_by_functionality AS
SELECT m.functionality, m.version, a.name AS attribute, a.role, a.coverage
FROM (SELECT functionality, version, unnest(attributes) AS a FROM read_json('{bundles}/*/*/manifest.json', union_by_name = true, filename = true)
      WHERE filename NOT LIKE '%/latest/%') m
JOIN ml_training_bundles b USING (functionality, version)
WHERE b.is_latest;

CREATE OR REPLACE VIEW failures_by_reason AS
SELECT coalesce(error_kind, 'http_' || status) AS reason, count(*) AS pages, count(DISTINCT site) AS sites,
       min(url) AS example
FROM failures GROUP BY 1 ORDER BY pages DESC, reason;

CREATE OR REPLACE VIEW link_patterns_by_confidence AS
SELECT * FROM schema_link_patterns ORDER BY confidence DESC, sites DESC, pages DESC, data_attribute;
