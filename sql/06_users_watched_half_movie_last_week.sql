-- PostgreSQL (SQLite has no timestamptz, extract(epoch ...) or "C" collation; on
-- SQLite, `scli report` answers it).
-- Distinct users with a stream overlapping the month's last 7 days,
-- [2021-12-25 00:00, 2022-01-01 00:00) business time, whose whole duration
-- (end_at - start_at) is at least half the movie's duration_mins.
WITH params AS (
    SELECT
        timestamptz '2021-12-25 00:00:00+01:00' AS week_start,
        timestamptz '2022-01-01 00:00:00+01:00' AS week_end
)
SELECT count(DISTINCT s.user_email) AS users_watched_half_movie_last_week
FROM stream AS s
JOIN movie AS m
    ON lower(trim(m.title COLLATE "C")) = lower(trim(s.movie_title COLLATE "C"))
CROSS JOIN params AS p
WHERE s.start_at < p.week_end
  AND s.end_at > p.week_start
  AND extract(epoch FROM s.end_at - s.start_at) >= 0.5 * 60 * m.duration_mins;
