"""The coordinators' pages on the demo programme, tried as a new coordinator would."""

from __future__ import annotations

import io
import json
import random
import re
import statistics

import pytest
from markupsafe import escape
from sqlalchemy import event

from assessment.demo import DEMO_PASSWORD, _answer_rounds, _cities, _teams, load_demo
from assessment.extensions import db
from assessment.lookups import city_named, round_named
from tests.conftest import csrf_token
from tests.test_compare_access import client_for


@pytest.fixture
def coordinator(app, demo):
    return client_for(app, demo["coordinator"], DEMO_PASSWORD)


def chart_data(page: str, element_id: str) -> dict:
    match = re.search(
        rf'<script type="application/json" id="{element_id}">(.*?)</script>', page, re.S
    )
    assert match, element_id
    return json.loads(match.group(1))


def scores_of(dmat, round_name: str) -> dict[str, dict]:
    result = dmat("scores", "--round", round_name, "--format", "json")
    assert result.exit_code == 0, result.output
    return {row["city"]: row for row in json.loads(result.output)}


def test_new_coordinator_walkthrough(app, demo, coordinator, dmat):
    """Create a round, import responses from a CSV, see the dashboard, compare Sofia with two
    other cities and the median, see progress 2020 -> 2022, download the exports."""
    # create a round
    token = csrf_token(coordinator, "/admin/rounds")
    response = coordinator.post(
        "/admin/rounds",
        data={
            "name": "2024 pilot",
            "questionnaire": "city-digital-maturity:2",
            "csrf_token": token,
        },
        follow_redirects=True,
    )
    assert "Round 2024 pilot created; it is open." in response.get_data(as_text=True)
    pilot = round_named("2024 pilot")

    # import responses from a CSV file
    rows = ["city,respondent,question,answer,comment"]
    for city, levels in (("Sofia", "4"), ("Riga", "2"), ("Athens", "3"), ("Zagreb", "5")):
        for person in ("a", "b"):
            for key in pilot_question_keys(pilot):
                rows.append(f"{city},{person}@{city.lower()}.example,{key},{levels},")
    csv_bytes = ("\n".join(rows) + "\n").encode()
    token = csrf_token(coordinator, f"/admin/rounds/{pilot.id}/import")
    response = coordinator.post(
        f"/admin/rounds/{pilot.id}/import",
        data={"file": (io.BytesIO(csv_bytes), "pilot.csv"), "csrf_token": token},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "for 4 cities" in page  # landed on the dashboard of the round

    # the dashboard: four cities, stage-coloured, cohort rows
    assert page.count('<th scope="row"') >= 4 + 4
    assert 'class="number cell-stage-5 overall"' in page  # Zagreb answered the top level
    assert ">100.0<" in page and ">75.0<" in page and ">25.0<" in page
    # the stage in text beside each coloured score, and a legend of the colours
    assert re.search(
        r'cell-stage-5 overall">100\.0<span class="stage-tag">'
        r'<span class="visually-hidden">stage </span>5</span>',
        page,
    )
    assert (
        page.count('<span class="swatch cell-stage-') == 5
        and "4 · Managed (60 to under 80)" in page
    )
    heatmap = chart_data(page, "heatmap-data")
    assert heatmap["rows"] == ["Athens", "Riga", "Sofia", "Zagreb"]
    assert heatmap["values"][2][-1] == pytest.approx(75.0)
    assert heatmap["stages"][2][-1] == 4
    # the imported assessments are in progress: listed, marked, but no cohort yet
    distribution = chart_data(page, "distribution-data")
    assert distribution["axes"][-1]["statistics"]["n"] == 0
    assert distribution["axes"][-1]["statistics"]["median"] is None
    assert "The cohort figures are over the 0 submitted cities" in page
    assert page.count("(not in the cohort)") == 4

    # compare Sofia with two other cities and the cohort median (on the demo follow-up round)
    follow_up = round_named("2022 follow-up")
    ids = [city_named(name).id for name in ("Sofia", "Helsinki", "Lisbon")]
    response = coordinator.get(
        f"/compare/rounds/{follow_up.id}/compare?" + "&".join(f"city={i}" for i in ids)
    )
    page = response.get_data(as_text=True)
    radar = chart_data(page, "radar-data")
    expected = scores_of(dmat, "2022 follow-up")
    assert [s["name"] for s in radar["series"]] == ["Sofia", "Helsinki", "Lisbon", "Cohort median"]
    assert radar["series"][-1]["dashed"] is True
    vision = radar["axes"].index("Digital vision")
    assert radar["series"][0]["values"][vision] == pytest.approx(
        expected["Sofia"]["areas"]["vision"]["score"]
    )
    submitted = submitted_cities("2022 follow-up")
    cohort_vision = sorted(
        row["areas"]["vision"]["score"]
        for row in expected.values()
        if row["areas"]["vision"]["score"] is not None and row["city"] in submitted
    )
    assert radar["series"][-1]["values"][vision] == pytest.approx(statistics.median(cohort_vision))
    assert "Questions" in page and "Cohort median" in page

    # progress 2020 -> 2022
    baseline = round_named("2020 baseline")
    response = coordinator.get(f"/compare/progress?before={baseline.id}&after={follow_up.id}")
    page = response.get_data(as_text=True)
    assert "Improved most" in page and "Fell back most" in page
    chart = chart_data(page, "progress-data")
    before = scores_of(dmat, "2020 baseline")
    overall = chart["series"][0]
    sofia = overall["names"].index("Sofia") if "Sofia" in overall["names"] else None
    if sofia is not None:
        assert overall["start"][sofia] == pytest.approx(before["Sofia"]["overall"])
        assert overall["change"][sofia] == pytest.approx(
            expected["Sofia"]["overall"] - before["Sofia"]["overall"]
        )

    # downloads
    for fmt, kind in (("csv", "application/zip"), ("xlsx", "spreadsheetml"), ("json", "json")):
        response = coordinator.get(f"/compare/rounds/{follow_up.id}/export.{fmt}")
        assert response.status_code == 200
        assert kind in response.content_type
        assert "attachment" in response.headers["Content-Disposition"]


def submitted_cities(round_name: str) -> set[str]:
    return {a.city.name for a in round_named(round_name).assessments if a.is_submitted}


def pilot_question_keys(round_) -> list[str]:
    return [q.key for area in round_.questionnaire.areas for q in area.questions]


def test_dashboard_filters_and_sorting(demo, coordinator, dmat):
    follow_up = round_named("2022 follow-up")
    path = f"/compare/rounds/{follow_up.id}"
    page = coordinator.get(path).get_data(as_text=True)
    assert "21 cities match." in page
    page = coordinator.get(path + "?status=in_progress").get_data(as_text=True)
    assert "3 cities match." in page
    assert chart_data(page, "heatmap-data")["rows"] == ["Athens", "Riga", "Sofia"]
    page = coordinator.get(path + "?country=BG").get_data(as_text=True)
    assert chart_data(page, "heatmap-data")["rows"] == ["Sofia"]
    page = coordinator.get(path + "?country=XX").get_data(as_text=True)
    assert "No city of this round is in country XX." in page
    assert "21 cities match." in page
    page = coordinator.get(path + "?sort=overall&descending=y").get_data(as_text=True)
    rows = chart_data(page, "heatmap-data")
    overall = [row[-1] for row in rows["values"]]
    scored = [v for v in overall if v is not None]
    assert scored == sorted(scored, reverse=True)
    assert overall[: len(scored)] == scored  # cities without a score come last
    expected = scores_of(dmat, "2022 follow-up")
    best = max(expected.values(), key=lambda r: r["overall"] or -1)
    assert rows["rows"][0] == best["city"]
    # bad filter values fall back to the defaults, never a 500
    response = coordinator.get(path + "?status=bogus&sort=nothing&page=x")
    assert response.status_code == 200


def test_the_cohort_is_the_submitted_cities_on_every_page(app, demo, coordinator, dmat):
    """The dashboard (whatever its status filter), the comparison, the questions page, the API
    and the cities' own results give one cohort: the submitted cities, with its n."""
    from assessment.api.operations import create_token
    from assessment.lookups import user_with_email
    from assessment.results import city_cohort

    follow_up = round_named("2022 follow-up")
    submitted = submitted_cities("2022 follow-up")
    expected = scores_of(dmat, "2022 follow-up")
    overall = [r["overall"] for c, r in expected.items() if c in submitted and r["overall"]]
    assert len(submitted) == 18 and len(overall) < len(expected)  # the demo has cities in progress
    median = statistics.median(overall)
    path = f"/compare/rounds/{follow_up.id}"
    for query in ("", "?status=all", "?status=in_progress", "?status=submitted"):
        page = coordinator.get(path + query).get_data(as_text=True)
        figures = chart_data(page, "distribution-data")["axes"][-1]
        assert figures["statistics"]["n"] == len(overall), query
        assert figures["statistics"]["median"] == pytest.approx(median), query
        assert sorted(figures["names"]) == sorted(
            c for c in submitted if expected[c]["overall"] is not None
        )
        assert "The cohort figures are over the 18 submitted cities" in page
    everyone = coordinator.get(path).get_data(as_text=True)
    assert "21 cities match." in everyone  # the in-progress cities are still listed, marked
    assert everyone.count("(not in the cohort)") == 21 - len(submitted)
    median_row = re.search(r"<th scope=\"row\" colspan=\"4\">Median</th>(.*?)</tr>", everyone, re.S)
    assert median_row and median_row.group(1).count(f">{median:.1f}<") == 1

    # the comparison of an in-progress city with the median: the same cohort
    sofia = city_named("Sofia")
    page = coordinator.get(f"{path}/compare?city={sofia.id}").get_data(as_text=True)
    radar = chart_data(page, "radar-data")
    assert radar["series"][-1]["name"] == "Cohort median"
    assert "(in progress, not in the cohort)" in page
    assert "the 18 submitted cities" in page
    page = coordinator.get(f"{path}/questions").get_data(as_text=True)
    assert "The cohort is the 18 submitted cities of the round" in page

    # the API and the cities' own cohort agree
    _, plain = create_token(user_with_email(demo["coordinator"]), "tests")
    db.session.commit()
    client = app.test_client()
    headers = {"Authorization": f"Bearer {plain}"}
    api = client.get(f"/api/v1/rounds/{follow_up.id}/cohort", headers=headers).get_json()
    assert api["status"] == "submitted"
    assert api["statistics"]["overall"]["n"] == len(overall)
    assert api["statistics"]["overall"]["median"] == pytest.approx(median)
    response = client.get(f"/api/v1/rounds/{follow_up.id}/cohort?status=all", headers=headers)
    assert response.status_code == 400
    assert "status can only be 'submitted', not 'all'" in response.get_json()["error"]["message"]
    with app.test_request_context():
        assert city_cohort(round_named("2022 follow-up")).median("overall") == pytest.approx(median)


def test_the_heatmap_writes_each_score_as_the_table_does(demo, coordinator):
    """One formatter: a score of 63.25 is "63.2" in the table and in the heatmap (JavaScript's
    toFixed gave "63.3"), and in Bulgarian both use the decimal comma."""
    from assessment.compare.queries import cell_formatter
    from assessment.presentation import score_text

    follow_up = round_named("2022 follow-up")
    page = coordinator.get(f"/compare/rounds/{follow_up.id}").get_data(as_text=True)
    heatmap = chart_data(page, "heatmap-data")
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]  # the cities, not the cohort
    cells = re.findall(r'<td class="number (?:cell-stage-\d|insufficient)[^"]*">([^<]*)', body)
    texts = [t if t is not None else "insufficient data" for row in heatmap["texts"] for t in row]
    assert texts == cells
    with coordinator.application.test_request_context():
        for value in (63.25, 0.05, 99.95, 40.0, 12.345):
            assert cell_formatter()(value)[1] == score_text(value)


def test_questions_across_cities_weakest_first(demo, coordinator):
    follow_up = round_named("2022 follow-up")
    page = coordinator.get(f"/compare/rounds/{follow_up.id}/questions").get_data(as_text=True)
    medians = [
        float(m)
        for m in re.findall(
            r'<td class="number cell-stage-\d ">([\d.]+)<span class="stage-tag">', page
        )[2::5]
    ]
    assert medians and medians == sorted(medians)


def test_compare_refuses_more_than_six_cities(app, demo, coordinator):
    follow_up = round_named("2022 follow-up")
    ids = [
        city_named(n).id for n in ("Sofia", "Riga", "Athens", "Paris", "Madrid", "Dublin", "Prague")
    ]
    query = "&".join(f"city={i}" for i in ids)
    page = coordinator.get(f"/compare/rounds/{follow_up.id}/compare?{query}").get_data(as_text=True)
    assert "Pick at most 6 cities." in page
    assert "radar-data" not in page


def test_progress_needs_two_different_rounds(demo, coordinator):
    follow_up = round_named("2022 follow-up")
    page = coordinator.get(f"/compare/progress?before={follow_up.id}&after={follow_up.id}")
    assert "Pick two different rounds." in page.get_data(as_text=True)


def test_progress_opens_on_the_two_most_recent_rounds(demo, coordinator):
    baseline, follow_up = round_named("2020 baseline"), round_named("2022 follow-up")
    response = coordinator.get("/compare/progress")
    assert response.status_code == 302
    assert response.location == f"/compare/progress?before={baseline.id}&after={follow_up.id}"
    page = coordinator.get(response.location).get_data(as_text=True)
    assert "Pick two different rounds." not in page and "progress-data" in page


def test_unknown_round_is_404(coordinator):
    assert coordinator.get("/compare/rounds/999").status_code == 404
    assert coordinator.get("/compare/rounds/99999999999999999999").status_code == 404
    assert coordinator.get("/compare/rounds/1/export.pdf").status_code in (404,)


def count_statements(app, path: str, client) -> int:
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert client.get(path).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_dashboard_queries_do_not_grow_with_cities(app, dmat):
    """The dashboard's SQL statements are the same in number for 3 cities as for 30."""
    load_demo(cities=3, respondents=2)
    db.session.commit()
    client = client_for(app, "coordinator@dmat.example", DEMO_PASSWORD)
    follow_up = round_named("2022 follow-up")
    small = count_statements(app, f"/compare/rounds/{follow_up.id}", client)
    rng = random.Random(7)
    more = _cities(30)[3:]
    teams = _teams(more, rng, 2, "x")
    _answer_rounds(follow_up.questionnaire, round_named("2020 baseline"), follow_up, teams, rng)
    db.session.commit()
    large = count_statements(app, f"/compare/rounds/{follow_up.id}", client)
    page = client.get(f"/compare/rounds/{follow_up.id}").get_data(as_text=True)
    assert "30 cities match." in page
    assert large == small, (small, large)
    assert small < 20


def test_dashboard_in_bulgarian(demo, coordinator):
    token = csrf_token(coordinator, "/")
    coordinator.post("/language", data={"language": "bg", "csrf_token": token, "next": "/"})
    follow_up = round_named("2022 follow-up")
    page = coordinator.get(f"/compare/rounds/{follow_up.id}").get_data(as_text=True)
    assert "Табло" in page and "Медиана" in page and "Цифрова визия" in page
    assert re.search(
        r'cell-stage-\d overall">\d+,\d<span class="stage-tag">', page
    )  # the Bulgarian decimal comma


LINK = '<a href="https://evil.example/">EVIL</a>'


def test_a_city_named_like_a_link_is_plain_text_in_every_chart(demo, coordinator):
    city = city_named("Sofia")
    city.name = LINK
    db.session.commit()
    baseline, follow_up = round_named("2020 baseline"), round_named("2022 follow-up")
    dashboard = coordinator.get(f"/compare/rounds/{follow_up.id}").get_data(as_text=True)
    # in the baseline Sofia is submitted, so in the cohort the distribution draws
    cohort = coordinator.get(f"/compare/rounds/{baseline.id}").get_data(as_text=True)
    compared = coordinator.get(
        f"/compare/rounds/{follow_up.id}/compare?city={city.id}&city={city_named('Riga').id}"
    ).get_data(as_text=True)
    progress = coordinator.get(
        f"/compare/progress?before={baseline.id}&after={follow_up.id}"
    ).get_data(as_text=True)
    charts = {
        "heatmap": chart_data(dashboard, "heatmap-data")["rows"],
        "distribution": chart_data(cohort, "distribution-data")["axes"][0]["names"],
        "radar": [s["name"] for s in chart_data(compared, "radar-data")["series"]],
        "progress": chart_data(progress, "progress-data")["series"][0]["names"],
    }
    escaped = '&lt;a href="https://evil.example/"&gt;EVIL&lt;/a&gt;'
    for chart, names in charts.items():
        assert escaped in names, (chart, names)
        assert LINK not in names and not any("<a" in name for name in names), chart
    for page in (dashboard, compared, progress):
        assert LINK not in page  # the tables show the name escaped by Jinja
        assert str(escape(LINK)) in page


def test_reopening_from_the_dashboard_asks_for_confirmation_first(app, demo, coordinator):
    follow_up = round_named("2022 follow-up")
    helsinki, sofia = city_named("Helsinki"), city_named("Sofia")
    page = coordinator.get(f"/compare/rounds/{follow_up.id}").get_data(as_text=True)
    confirm = f"/compare/rounds/{follow_up.id}/cities/{helsinki.id}/reopen"
    assert f'href="{confirm}"' in page  # a submitted city: a link to the question, no button
    assert f"/compare/rounds/{follow_up.id}/cities/{sofia.id}/reopen" not in page  # in progress
    page = coordinator.get(confirm).get_data(as_text=True)
    assert "Reopen the assessment of Helsinki?" in page
    assert "every cohort figure changes" in page
    action = f"/results/{follow_up.id}/{helsinki.id}/reopen"
    assert f'<form method="post" action="{action}">' in page
    assert submitted_cities("2022 follow-up") >= {"Helsinki"}  # nothing changed by looking
    token = csrf_token(coordinator, confirm)
    unconfirmed = coordinator.post(action, data={"csrf_token": token})  # e.g. a hand-made post
    assert unconfirmed.status_code == 302 and unconfirmed.location == confirm
    db.session.expire_all()
    assert "Helsinki" in submitted_cities("2022 follow-up")  # nothing changed
    response = coordinator.post(action, data={"csrf_token": token, "confirm": "1"})
    assert response.status_code == 302
    db.session.expire_all()
    assert "Helsinki" not in submitted_cities("2022 follow-up")
    page = coordinator.get(confirm).get_data(as_text=True)
    assert "The assessment of Helsinki is not submitted." in page and action not in page
    missing = f"/compare/rounds/{follow_up.id}/cities/999999/reopen"
    assert coordinator.get(missing).status_code == 404


def test_progress_marks_a_city_still_in_progress_in_its_lists(app, demo, coordinator):
    from assessment.survey.operations import reopen_assessment

    baseline, follow_up = round_named("2020 baseline"), round_named("2022 follow-up")
    path = f"/compare/progress?before={baseline.id}&after={follow_up.id}"

    def lists(page: str) -> list[str]:
        sections = re.findall(
            r'<section aria-labelledby="(?:improved|fell)-heading">(.*?)</section>', page, re.S
        )
        return [
            re.sub(r"<[^>]+>", "", item)
            for s in sections
            for item in re.findall(r"<li>(.*?)</li>", s, re.S)
        ]

    items = lists(coordinator.get(path).get_data(as_text=True))
    assert items
    in_progress = {a.city.name for a in follow_up.assessments if not a.is_submitted}
    for item in items:
        city = item.split(":")[0]
        marked = "(in progress in 2022 follow-up: not final)" in item
        assert marked == (city in in_progress), item
        assert "-0.0" not in item and "+-" not in item
    # a submitted city in a list, reopened: now marked
    listed = next(item.split(":")[0] for item in items if "in progress" not in item)
    reopen_assessment(next(a for a in follow_up.assessments if a.city.name == listed))
    db.session.commit()
    items = lists(coordinator.get(path).get_data(as_text=True))
    assert any(
        item.startswith(f"{listed}:") and "(in progress in 2022 follow-up: not final)" in item
        for item in items
    )
