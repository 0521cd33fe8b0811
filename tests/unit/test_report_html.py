"""The report page and its charts, from hand-made figures: no database."""

import re
from dataclasses import replace
from datetime import date

import altair as alt
import pytest
import vl_convert

from strider_challenge.domain import charts as shapes
from strider_challenge.domain.answers import (
    ANSWER_KEYS,
    Report,
    ReportFigures,
    ReportParameters,
    answers_from,
    definitions,
)
from strider_challenge.domain.charts import ChartedReport, ReportCharts
from strider_challenge.entrypoints import charts
from strider_challenge.entrypoints.answers import questions
from strider_challenge.entrypoints.html_report import render_page

FIGURES = ReportFigures(
    streams=40,
    streamed_movies=7,
    streamed_movies_from_books=5,
    outage_users=3,
    nationality_movies=2,
    total_stream_microseconds=40 * 5_400_000_000,
    median_stream_size_mb=1250.0,
    half_movie_users=9,
    shortest_stream_microseconds=60_000_000,
    longest_stream_microseconds=86_000_000_000,
    smallest_stream_size_mb=3.5,
    largest_stream_size_mb=3700.0,
)


def charted(
    parameters: ReportParameters, figures: ReportFigures = FIGURES
) -> ChartedReport:
    """A report with charts shaped from made-up counts."""
    durations = shapes.duration_bins(
        figures.shortest_stream_microseconds, figures.longest_stream_microseconds
    )
    sizes = shapes.size_bins(
        figures.smallest_stream_size_mb, figures.largest_stream_size_mb
    )
    instants = shapes.outage_instants(parameters)
    drawn = ReportCharts(
        days=shapes.days_of_month(parameters, {date(2021, 12, 25): 12}),
        outage=shapes.outage_timeline(
            parameters, instants, [i % 4 for i in range(len(instants))]
        ),
        durations=shapes.histogram(
            durations, {0: 10, 5: 30}, 5400.0, shapes.duration_unit(durations)
        ),
        sizes=shapes.histogram(sizes, {6: 40}, 1250.0, shapes.size_unit(sizes)),
    )
    report = Report(parameters, figures, answers_from(figures))
    return ChartedReport(report, drawn)


def page_of(parameters: ReportParameters, **figures: object) -> str:
    return render_page(
        charted(parameters, replace(FIGURES, **figures)),  # type: ignore[arg-type]
        questions(parameters),
    )


@pytest.fixture(scope="module")
def page() -> str:
    return page_of(ReportParameters.parse())


def test_the_page_loads_nothing_and_runs_nothing(page: str) -> None:
    references = re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]*)""", page)
    urls = re.findall(r"url\(\s*['\"]?([^'\")]*)", page)

    assert not [ref for ref in references + urls if re.match(r"(?i)https?:", ref)]
    assert [url for url in urls if not url.startswith("#")] == []
    assert "<script" not in page and "<link" not in page and "<img" not in page
    assert "@import" not in page and "@font-face" not in page


def test_the_answers_stand_at_the_top_with_their_definitions(page: str) -> None:
    table = page[page.index('<table class="answers">') : page.index("</table>")]
    parameters = ReportParameters.parse()

    assert page.index("</table>") < page.index("<svg")
    for question in questions(parameters):
        assert f"<td>{question}</td>" in table
    for shown in ("71.43", ">3<", ">2<", "5,400", "1.25", ">9<"):
        assert shown in table
    assert "<code>stream.user_email</code>" in table
    assert "has <em>any</em> nationality" in table
    assert table.count('<td class="definition">') == len(ANSWER_KEYS)
    assert len(definitions(parameters)) == len(ANSWER_KEYS)


def test_each_chart_sits_under_the_question_it_answers(page: str) -> None:
    asked = questions(ReportParameters.parse())
    sections = re.findall(
        r'<section id="(\w+)">\n<h2>([^<]*)</h2>'
        r'.*?<figure class="chart">(<svg .*?</svg>)',
        page,
        re.S,
    )

    assert [(name, question) for name, question, _ in sections] == [
        ("books", asked[0]),
        ("outage", asked[1]),
        ("durations", asked[3]),
        ("sizes", asked[4]),
        ("days", asked[5]),
    ]
    texts = {
        name: " ".join(re.findall(r">([^<>]+)</text>", svg))
        for name, _, svg in sections
    }
    assert "5 (71.43%)" in texts["books"] and "2 (28.57%)" in texts["books"]
    assert "streams of Unforgiven in progress" in texts["outage"]
    assert "time on 2021-12-25, business time +01:00" in texts["outage"]
    assert "outage" in texts["outage"] and "07:00" in texts["outage"]
    assert "stream duration (hours)" in texts["durations"]
    assert "mean 1.50 hours" in texts["durations"]
    assert "stream size (GB)" in texts["sizes"] and "median 1.25 GB" in texts["sizes"]
    assert "day of December 2021 (business time +01:00)" in texts["days"]
    assert "last 7 days" in texts["days"] and "streams started" in texts["days"]


def test_the_page_follows_the_parameters_and_escapes_what_it_quotes() -> None:
    parameters = ReportParameters.parse(
        zone="UTC",
        outage_movie='<b>Heat & "Co"</b>',
        outage_start="2021-12-24 22:00",
        outage_end="2021-12-25 02:00",
    )

    page = page_of(parameters)

    assert "<b>Heat" not in page
    assert "streaming &lt;b&gt;Heat &amp; &quot;Co&quot;&lt;/b&gt; during" in page
    outage = page[page.index('<section id="outage">') : page.index('<section id="d')]
    labels = re.findall(r">([^<>]+)</text>", outage)
    # The timeline spans two days: its axis says which, in the zone asked for.
    assert "time, business time UTC" in labels
    assert labels[:3] == ["Dec 24 20:00", "Dec 24 21:00", "Dec 24 22:00"]
    assert "Dec 25 04:00" in labels
    assert "Every date and time is business time, UTC." in page


def test_without_streams_the_page_says_there_is_nothing_to_chart() -> None:
    parameters = ReportParameters.parse()
    empty = replace(FIGURES, streams=0, streamed_movies=0, streamed_movies_from_books=0)
    report = Report(parameters, empty, answers_from(empty))

    page = render_page(ChartedReport(report, None), questions(parameters))

    assert "The database has no streams: there is nothing to chart." in page
    assert "<svg" not in page
    assert page.count('<td class="answer">-</td>') == 6
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>")


def test_without_a_catalog_movie_streamed_the_books_chart_is_a_sentence() -> None:
    page = page_of(
        ReportParameters.parse(), streamed_movies=0, streamed_movies_from_books=0
    )

    books = page[
        page.index('<section id="books">') : page.index('<section id="outage">')
    ]
    assert "No stream is of a movie in the catalog: there is nothing to chart." in books
    assert "<svg" not in books
    assert page.count("<svg") == 4


def test_svg_ids_are_made_unique_to_their_chart() -> None:
    gradient = {
        "gradient": "linear",
        "stops": [{"color": "white", "offset": 0}, {"color": "blue", "offset": 1}],
    }
    spec = {
        "data": {"values": [{"x": 1}]},
        "mark": {"type": "bar", "color": gradient},
        "encoding": {"x": {"field": "x", "type": "quantitative"}},
    }

    drawn = charts.svg(spec, "first")

    ids = re.findall(r'\bid="([^"]+)"', drawn)
    assert ids and all(identifier.startswith("first-") for identifier in ids)
    references = re.findall(r"url\(#([^)]+)\)", drawn)
    assert references and all(ref.startswith("first-") for ref in references)
    assert drawn.startswith('<svg role="img" aria-label="first" ')


def test_every_spec_is_valid_vega_lite() -> None:
    parameters = ReportParameters.parse()
    drawn = charted(parameters).charts
    assert drawn is not None
    layered = [
        charts.books_chart(5, 2, None),
        charts.outage_chart(parameters, drawn.outage),
        charts.histogram_chart(drawn.durations, "stream duration", "mean"),
        charts.histogram_chart(drawn.sizes, "stream size", "median"),
    ]

    for spec in layered:
        alt.LayerChart.from_dict(spec, validate=True)
    alt.Chart.from_dict(charts.days_chart(parameters, drawn.days), validate=True)
    with pytest.raises(Exception, match="Failed validating"):  # jsonschema's error
        alt.Chart.from_dict({**charts.days_chart(parameters, drawn.days), "mark": 1})
    assert charts.VEGA_LITE.removeprefix("v") in vl_convert.get_vegalite_versions()
