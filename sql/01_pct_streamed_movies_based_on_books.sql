-- PostgreSQL (SQLite has no "C" collation; on SQLite, `scli report` answers it).
-- Among the distinct catalog movies with at least one stream, the percentage
-- (2 decimals) that are based on a book: a review links the movie to a book.
WITH streamed AS (
    SELECT
        m.title,
        EXISTS (
            SELECT 1
            FROM review AS r
            WHERE lower(trim(r.movie_title COLLATE "C")) = lower(trim(m.title COLLATE "C"))
              AND trim(r.movie_title) <> 'end'
        ) AS based_on_a_book
    FROM movie AS m
    WHERE EXISTS (
        SELECT 1
        FROM stream AS s
        WHERE lower(trim(s.movie_title COLLATE "C")) = lower(trim(m.title COLLATE "C"))
    )
)
SELECT
    round(100.0 * count(*) FILTER (WHERE based_on_a_book) / nullif(count(*), 0), 2)
        AS pct_streamed_movies_based_on_books
FROM streamed;
