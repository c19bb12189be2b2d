-- captures: one row per URL, the capture that is its record (the pointer files) and its latest failed re-capture
-- (attempt_*: a failure that did not replace a good record). failures: the pages whose last fetch failed, with
-- kept_good_record when a good earlier capture still stands.
CREATE OR REPLACE VIEW captures AS
SELECT url,
       lower(regexp_extract(url, '^https?://\[?([^/\]]+?)\]?(:\d+)?(/|$)', 1)) AS site,
       ok, status, error_kind, error, captured_at, checked_at, capture_id, content_hash,
       capture_ms, html_chars,
       attempt ->> 'at' AS attempt_at, attempt ->> 'error_kind' AS attempt_error_kind, attempt ->> 'error' AS attempt_error,
       TRY_CAST(attempt ->> 'status' AS INTEGER) AS attempt_status, TRY_CAST(attempt ->> 'count' AS INTEGER) AS failed_attempts
FROM read_json('{store}/captures/latest/*.json', union_by_name = true,
               columns = {url: 'VARCHAR', ok: 'BOOLEAN', status: 'INTEGER', error_kind: 'VARCHAR', error: 'VARCHAR',
                          captured_at: 'VARCHAR', checked_at: 'VARCHAR', capture_id: 'VARCHAR', content_hash: 'VARCHAR',
                          capture_ms: 'DOUBLE', html_chars: 'BIGINT',
                          attempt: 'JSON'});

CREATE OR REPLACE VIEW failures AS
SELECT url, site, error_kind, error, status, captured_at, false AS kept_good_record FROM captures
WHERE (NOT ok OR status >= 400)
UNION ALL
SELECT url, site, attempt_error_kind, attempt_error, attempt_status, attempt_at, true FROM captures
WHERE attempt_at IS NOT NULL;
