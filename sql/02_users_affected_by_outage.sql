-- PostgreSQL (SQLite has no timestamptz, :: casts or "C" collation; on SQLite,
-- `scli report` answers it).
-- Distinct users with a stream of the movie in progress at any moment of the outage,
-- [07:00, 12:00] business time on Christmas morning, both ends included: the stream
-- started at or before the end and ended at or after the start.
WITH params AS (
    SELECT
        'Unforgiven'::text AS movie,
        timestamptz '2021-12-25 07:00:00+01:00' AS outage_start,
        timestamptz '2021-12-25 12:00:00+01:00' AS outage_end
)
SELECT count(DISTINCT s.user_email) AS users_affected_by_outage
FROM stream AS s
CROSS JOIN params AS p
WHERE lower(trim(s.movie_title COLLATE "C")) = lower(trim(p.movie COLLATE "C"))
  AND s.start_at <= p.outage_end
  AND s.end_at >= p.outage_start;
