"""`scli report --format html`: one self-contained page, the answers then the charts.

Everything the page shows is inside it: the style sheet in a `<style>`, the charts as
inline SVG, fonts the viewer already has. It loads nothing, runs no script, and
opens offline, from an e-mail attachment as well as from a disk.
"""

import html
import re
from collections.abc import Callable

from strider_challenge.domain.answers import (
    ANSWER_KEYS,
    ReportParameters,
    definitions,
    month_name,
)
from strider_challenge.domain.charts import ChartedReport, ReportCharts
from strider_challenge.entrypoints import charts

_STYLE = """
body { font-family: Arial, Helvetica, 'Liberation Sans', sans-serif; color: #222;
  margin: 0; background: #f6f6f4; }
main { max-width: 960px; margin: 0 auto; padding: 24px 32px 48px; background: #fff; }
h1 { font-size: 26px; margin: 8px 0 4px; }
h2 { font-size: 19px; margin: 36px 0 6px; }
p.lede, p.caption { color: #555; margin: 4px 0 12px; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; vertical-align: top; padding: 8px 10px;
  border-bottom: 1px solid #e3e3e0; }
th.answer { text-align: right; }
td.answer { text-align: right; font-size: 20px; font-weight: bold;
  white-space: nowrap; }
td.definition { color: #555; }
code { font-family: 'Liberation Mono', Menlo, Consolas, monospace; font-size: 90%; }
figure { margin: 0; }
figure svg { max-width: 100%; height: auto; display: block; }
p.empty { font-size: 17px; padding: 16px; background: #fdf3e7;
  border-left: 4px solid #e89b3c; }
"""


def render_page(charted: ChartedReport, questions: list[str]) -> str:
    """The whole page as one HTML document.

    Args:
        charted: the answers, and the charts' counts (None on a database without
            streams: the page says there is nothing to chart).
        questions: the six questions in words, as the table format asks them.
    """
    report = charted.report
    parameters = report.parameters
    title = f"Streams in {month_name(parameters.month)}"
    body = [
        f"<h1>{_text(title)}</h1>",
        f'<p class="lede">{_text(_asked(parameters))}</p>',
        _answers_table(charted, questions),
    ]
    if charted.charts is None:
        body.append(
            '<p class="empty">The database has no streams: there is nothing to '
            "chart. Load the dumps with <code>scli load</code>, then run the report "
            "again.</p>"
        )
    else:
        body.extend(_sections(charted, charted.charts, questions))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>scli report: {_text(title)}</title>\n"
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n"
        + "\n".join(body)
        + "\n</main>\n</body>\n</html>"
    )


def _asked(parameters: ReportParameters) -> str:
    return (
        f"The product manager's six questions about {parameters.month:%Y-%m}, "
        f"answered from the loaded database. Every date and time is business time, "
        f"{parameters.zone_label}."
    )


def _answers_table(charted: ChartedReport, questions: list[str]) -> str:
    """The six answers, each with its question and its one-sentence definition."""
    values = charted.report.answers.as_dict()
    defined = definitions(charted.report.parameters)
    shown = {
        key: "-" if values[key] is None else f"{values[key]:,}" for key in ANSWER_KEYS
    }
    rows = [
        f"<tr><td>{_text(question)}</td>"
        f'<td class="answer">{_text(shown[key])}</td>'
        f'<td class="definition">{_markdown(defined[key])}</td></tr>'
        for key, question in zip(ANSWER_KEYS, questions)
    ]
    return (
        '<table class="answers">\n<thead><tr><th>question</th>'
        '<th class="answer">answer</th><th>definition</th></tr></thead>\n<tbody>\n'
        + "\n".join(rows)
        + "\n</tbody>\n</table>"
    )


def _sections(
    charted: ChartedReport, drawn: ReportCharts, questions: list[str]
) -> list[str]:
    """One section per chart, under the question it answers."""
    report = charted.report
    parameters = report.parameters
    figures = report.figures
    from_books = figures.streamed_movies_from_books
    sections: list[tuple[int, str, str, Callable[[], str]]] = [
        (
            0,
            "books",
            "The catalog movies streamed at least once, by whether a review links "
            "them to a book; the first answer is the first bar's share.",
            lambda: charts.svg(
                charts.books_chart(
                    from_books,
                    figures.streamed_movies - from_books,
                    report.answers.pct_streamed_movies_based_on_books,
                ),
                "books",
            ),
        ),
        (
            1,
            "outage",
            f"Streams of {parameters.outage_movie} in progress at each instant "
            "(one that starts or ends at an instant counts at it); the outage is "
            "shaded.",
            lambda: charts.svg(charts.outage_chart(parameters, drawn.outage), "outage"),
        ),
        (
            3,
            "durations",
            "How long the streams lasted: streams per bar of durations, the mean "
            "(the answer) marked.",
            lambda: charts.svg(
                charts.histogram_chart(drawn.durations, "stream duration", "mean"),
                "durations",
            ),
        ),
        (
            4,
            "sizes",
            "How large the streams were: streams per bar of sizes, the median (the "
            "answer) marked.",
            lambda: charts.svg(
                charts.histogram_chart(drawn.sizes, "stream size", "median"), "sizes"
            ),
        ),
        (
            5,
            "days",
            f"Streams started on each day of {month_name(parameters.month)}, in "
            "business time; the last 7 days, the question's week, in orange.",
            lambda: charts.svg(charts.days_chart(parameters, drawn.days), "days"),
        ),
    ]
    if not figures.streamed_movies:
        sections[0] = (
            0,
            "books",
            "",
            _nothing("No stream is of a movie in the catalog"),
        )
    return [
        f'<section id="{name}">\n<h2>{_text(questions[index])}</h2>\n'
        + (f'<p class="caption">{_text(caption)}</p>\n' if caption else "")
        + f'<figure class="chart">{draw()}</figure>\n</section>'
        for index, name, caption, draw in sections
    ]


def _nothing(reason: str) -> Callable[[], str]:
    return lambda: f'<p class="empty">{_text(reason)}: there is nothing to chart.</p>'


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def _markdown(value: str) -> str:
    """The definitions' Markdown: `code` and *emphasis*, everything else as text."""
    escaped = _text(value)
    escaped = re.sub(r"`([^`]+)`", r"<code>\1</code>", escaped)
    return re.sub(r"\*([^*]+)\*", r"<em>\1</em>", escaped)
