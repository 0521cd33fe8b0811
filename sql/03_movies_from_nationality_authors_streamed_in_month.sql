-- PostgreSQL (SQLite has no jsonb_array_elements, timestamptz or "C" collation;
-- on SQLite, `scli report` answers it).
-- Distinct catalog movies based on a book whose author has ANY nationality with the
-- slug, and with at least one stream overlapping the month in business time,
-- [2021-12-01 00:00, 2022-01-01 00:00) +01:00.
WITH params AS (
    SELECT
        'singaporeans'::text AS nationality,
        timestamptz '2021-12-01 00:00:00+01:00' AS month_start,
        timestamptz '2022-01-01 00:00:00+01:00' AS month_end
)
SELECT count(*) AS movies_from_nationality_authors_streamed_in_month
FROM movie AS m
CROSS JOIN params AS p
WHERE EXISTS (
    SELECT 1
    FROM review AS r
    JOIN book AS b
        ON lower(trim(b.title COLLATE "C")) = lower(trim(r.book_title COLLATE "C"))
    JOIN author AS a
        ON lower(trim(a.name COLLATE "C")) = lower(trim(b.author COLLATE "C"))
    WHERE lower(trim(r.movie_title COLLATE "C")) = lower(trim(m.title COLLATE "C"))
      AND trim(r.movie_title) <> 'end'
      AND EXISTS (
          SELECT 1
          FROM jsonb_array_elements(a.nationalities) AS n
          WHERE n ->> 'slug' = p.nationality
      )
)
AND EXISTS (
    SELECT 1
    FROM stream AS s
    WHERE lower(trim(s.movie_title COLLATE "C")) = lower(trim(m.title COLLATE "C"))
      AND s.start_at < p.month_end
      AND s.end_at > p.month_start
);
