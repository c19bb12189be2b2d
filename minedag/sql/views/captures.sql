-- captures: one row per URL, its newest capture (the pointer files); failures: those that were not captured.
CREATE OR REPLACE VIEW captures AS
SELECT url,
       lower(regexp_extract(url, '^https?://\[?([^/\]]+?)\]?(:\d+)?(/|$)', 1)) AS site,
       ok, status, error_kind, error, captured_at, checked_at, capture_id, content_hash,
       capture_ms, html_chars
FROM read_json('{store}/captures/latest/*.json', union_by_name = true,
               columns = {url: 'VARCHAR', ok: 'BOOLEAN', status: 'INTEGER', error_kind: 'VARCHAR', error: 'VARCHAR',
                          captured_at: 'VARCHAR', checked_at: 'VARCHAR', capture_id: 'VARCHAR', content_hash: 'VARCHAR',
                          capture_ms: 'DOUBLE', html_chars: 'BIGINT'});

CREATE OR REPLACE VIEW failures AS
SELECT url, site, error_kind, error, status, captured_at FROM captures WHERE NOT ok OR status >= 400;
