-- records_<profile> and campaign_<name>: the newest record of each URL (latest capture first; for the same capture, the current
-- profile or campaign version, then the newest batch file), never file times (copies and syncs change those).
CREATE OR REPLACE VIEW {view} AS
SELECT * EXCLUDE (filename)
FROM read_parquet('{store}/records/{folder}/*.parquet', union_by_name = true, filename = true)
QUALIFY row_number() OVER (
    PARTITION BY url
    ORDER BY captured_at DESC NULLS LAST, ({version_column} = '{version}') DESC, capture_id DESC NULLS LAST, filename DESC
) = 1;
