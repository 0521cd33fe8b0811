-- PostgreSQL (SQLite has no extract(epoch ...) or :: casts; on SQLite, `scli report`
-- answers it).
-- Mean of end_at - start_at over all streams, in seconds, rounded to an integer.
SELECT round(avg(extract(epoch FROM end_at - start_at)))::bigint
    AS avg_stream_duration_seconds
FROM stream;
