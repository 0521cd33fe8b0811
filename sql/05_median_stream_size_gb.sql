-- PostgreSQL (SQLite has no percentile_cont ... WITHIN GROUP: the SQLite form is in
-- sql/README.md).
-- Continuous (interpolated) median of the streams' size_mb, in GB (1 GB = 1000 MB),
-- 2 decimals.
SELECT round((percentile_cont(0.5) WITHIN GROUP (ORDER BY size_mb))::numeric / 1000, 2)
    AS median_stream_size_gb
FROM stream;
