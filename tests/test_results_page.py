"""A city's results page: the same figures as ``dmat scores``, the radar, the cohort rule."""

from __future__ import annotations

import html
import json
import re
import statistics

import pytest
from markupsafe import escape
from sqlalchemy import select

from assessment.demo import DEMO_PASSWORD
from assessment.extensions import db
from assessment.lookups import city_named, round_named
from assessment.main.vendor import PLOTLY_VERSION
from assessment.models import Assessment, AssessmentStatus, Role, utcnow
from tests.conftest import login
from tests.playwright_support import needs_chromium, step
from tests.survey_support import autosave, page_token

RADAR = re.compile(r'<script type="application/json" id="radar-data">(.*?)</script>', re.S)


def radar(page: str) -> dict:
    return json.loads(html.unescape(RADAR.search(page).group(1)))


def one_decimal(value: float) -> str:
    return f"{round(value, 1):.1f}"


def area_rows(page: str) -> list[list[str]]:
    table = page[page.index('class="area-table"') :]
    table = table[: table.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table[table.index("<tbody>") :], re.S)
    return [
        [
            " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in rows
    ]


def test_figures_are_those_of_dmat_scores(client, demo, dmat):
    round_ = round_named("2020 baseline")
    sofia = city_named("Sofia")
    result = dmat("scores", "--round", "2020 baseline", "--format", "json")
    assert result.exit_code == 0
    everyone = json.loads(result.output)
    (expected,) = [row for row in everyone if row["city"] == "Sofia"]
    login(client, "leader@sofia.example", DEMO_PASSWORD)
    page = client.get(f"/results/{round_.id}/{sofia.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)

    overall = re.search(r'class="overall-score[^"]*">([^<]+)<', text).group(1)
    assert overall == one_decimal(expected["overall"])
    assert f"stage-{expected['stage']}" in text
    areas = [area.key for area in round_.questionnaire.areas]
    rows = area_rows(text)
    assert len(rows) == 5
    for key, row in zip(areas, rows, strict=True):
        figures = expected["areas"][key]
        assert row[1] == one_decimal(figures["score"])
        assert row[2].startswith(str(figures["stage"]))
        assert row[3] == f"{round(100 * figures['completeness'])} %"
        assert re.fullmatch(r"[1-8] of [1-8] team members", row[4])
        if figures["agreement"] is None:
            assert row[5] == "–"
        else:
            assert row[5].startswith(one_decimal(figures["agreement"]))
            assert ("low agreement" in row[5]) == (figures["agreement"] > 20)
        medians = statistics.quantiles(
            sorted(
                r["areas"][key]["score"] for r in everyone if r["areas"][key]["score"] is not None
            ),
            n=4,
            method="inclusive",
        )
        assert row[6] == one_decimal(medians[1])

    chart = radar(text)
    assert chart["scale"] == [0.0, 100.0]
    city_series, target, cohort = chart["series"]  # the demo city set targets on the round
    assert city_series["name"] == "Sofia, 2020 baseline"  # as in the PDF report
    assert target["name"] == "Target" and any(v is not None for v in target["values"])
    assert city_series["values"] == [expected["areas"][k]["score"] for k in areas]  # unrounded
    assert cohort["dashed"] is True and "21" in cohort["name"]
    assert f"/vendor/plotly-{PLOTLY_VERSION}.min.js" in text and "cdn" not in text.lower()
    script = client.get(f"/vendor/plotly-{PLOTLY_VERSION}.min.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    script.close()
    assert "Questions with the lowest scores" in text and "Next steps" in text


def test_lowest_questions_and_next_steps(client, demo):
    from assessment.insights import next_steps, weakest_questions
    from assessment.results import round_scores

    round_ = round_named("2020 baseline")
    sofia = city_named("Sofia")
    (scores,) = round_scores(round_, [sofia.id])
    login(client, "member1@sofia.example", DEMO_PASSWORD)
    text = client.get(f"/results/{round_.id}/{sofia.id}").get_data(as_text=True)
    weakest = weakest_questions(round_.questionnaire, scores.result, count=5)
    section = text[text.index("Questions with the lowest scores") : text.index("Next steps")]
    positions = [section.index(str(escape(f.question.text["en"]))) for f in weakest]
    assert positions == sorted(positions)
    for findings in next_steps(round_.questionnaire, scores.result).values():
        for f in findings:
            assert str(escape(f.next_level_text("en"))) in text


def test_cohort_median_only_with_three_submitted_cities(client, make_city, make_user, make_round):
    round_ = make_round()
    cities = [
        make_city(name, cc) for name, cc in (("Sofia", "BG"), ("Athens", "GR"), ("Riga", "LV"))
    ]
    leaders = [make_user(f"leader@{c.name.lower()}.example", Role.LEADER, c) for c in cities]
    question = round_.questionnaire.areas[0].questions[0]
    for leader in leaders:
        browser = client.application.test_client()
        login(browser, leader.email)
        token = page_token(browser, f"/survey/{round_.id}/areas/vision")
        for area in round_.questionnaire.areas:
            for q in area.questions:
                autosave(browser, round_.id, token, q.id, "3")
    assert question is not None

    def submit(city):
        assessment = db.session.scalar(select(Assessment).where(Assessment.city_id == city.id))
        assessment.status, assessment.submitted_at = AssessmentStatus.SUBMITTED, utcnow()
        db.session.commit()

    submit(cities[0])
    submit(cities[1])
    login(client, leaders[0].email)
    text = client.get(f"/results/{round_.id}/{cities[0].id}").get_data(as_text=True)
    assert len(radar(text)["series"]) == 1
    assert "at least 3 cities have submitted in this round (now 2)" in text
    assert "Cohort median" not in text
    submit(cities[2])
    text = client.get(f"/results/{round_.id}/{cities[0].id}").get_data(as_text=True)
    series = radar(text)["series"]
    assert len(series) == 2 and series[1]["values"] == [50.0] * 5
    assert "Cohort median" in text
    overall = re.search(r'class="overall-score[^"]*">([^<]+)<', text).group(1)
    assert overall == "50.0"


def test_results_in_bulgarian(client, demo):
    round_ = round_named("2020 baseline")
    sofia = city_named("Sofia")
    login(client, "leader@sofia.example", DEMO_PASSWORD)
    token = page_token(client, f"/results/{round_.id}/{sofia.id}")
    client.post("/language", data={"language": "bg", "csrf_token": token, "next": "/"})
    text = client.get(f"/results/{round_.id}/{sofia.id}").get_data(as_text=True)
    assert "Общ резултат" in text and "Цифрова визия" in text and '<html lang="bg">' in text
    axes = radar(text)["axes"]
    assert axes[0] == "Цифрова визия"
    # one decimal with the Bulgarian decimal comma
    assert re.search(r'class="overall-score[^"]*">\d+,\d<', text)


@pytest.mark.parametrize("email", ["member1@sofia.example", "leader@sofia.example"])
def test_in_progress_results_are_not_shown_to_the_city(client, demo, email):
    round_ = round_named("2022 follow-up")
    sofia = city_named("Sofia")
    login(client, email, DEMO_PASSWORD)
    text = client.get(f"/results/{round_.id}/{sofia.id}").get_data(as_text=True)
    assert "once your city's leader has submitted" in text
    assert "radar-data" not in text


def test_a_city_named_like_a_link_is_plain_text_in_the_radar(client, demo):
    sofia = city_named("Sofia")
    sofia.name = '<a href="https://evil.example/">EVIL</a>'
    db.session.commit()
    login(client, "leader@sofia.example", DEMO_PASSWORD)
    round_ = round_named("2020 baseline")
    text = client.get(f"/results/{round_.id}/{sofia.id}").get_data(as_text=True)
    city_series = radar(text)["series"][0]
    assert (
        city_series["name"] == '&lt;a href="https://evil.example/"&gt;EVIL&lt;/a&gt;, 2020 baseline'
    )
    assert '<a href="https://evil.example/"' not in text


@pytest.mark.slow
@needs_chromium
def test_a_city_named_like_a_link_draws_no_link_in_the_browser(page, live_server, demo):
    name = '<a href="https://evil.example/">EVIL</a>'
    sofia = city_named("Sofia")
    sofia.name = name
    db.session.commit()
    round_ = round_named("2020 baseline")
    page.goto(live_server.url + "/login")
    page.fill("#email", "coordinator@dmat.example")
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.wait_for_selector(".user")
    for path in (f"/results/{round_.id}/{sofia.id}", f"/compare/rounds/{round_.id}"):
        page.goto(live_server.url + path)
        page.wait_for_selector(".js-plotly-plot .main-svg")
        step(page, path)
        charts = page.locator(".js-plotly-plot")
        assert charts.locator("a").count() == 0, path
        assert name in " ".join(charts.all_text_contents()), path


@pytest.mark.parametrize("all_score", [False, True])
def test_an_area_median_needs_three_cities_with_a_score(
    client, make_city, make_round, make_user, all_score
):
    from tests.test_reports import cohort_where_one_city_scores_systems

    round_, _sofia, athens = cohort_where_one_city_scores_systems(make_round, make_city, all_score)
    make_user("leader@athens.example", Role.LEADER, athens)
    login(client, "leader@athens.example")
    text = client.get(f"/results/{round_.id}/{athens.id}").get_data(as_text=True)
    rows = area_rows(text)
    assert [row[6:] for row in rows] == [
        ["25.0", "3"],
        ["25.0", "3"],
        ["75.0", "3"] if all_score else ["not enough cities", "1"],
        ["25.0", "3"],
        ["25.0", "3"],
    ]
    cohort = radar(text)["series"][1]
    assert cohort["values"] == [25.0, 25.0, 75.0 if all_score else None, 25.0, 25.0]
    assert "The cohort is the 3 cities that have submitted in this round" in text
    if not all_score:
        assert "75.0" not in text  # Σόφια's systems score, the only one


def section_rows(page: str, heading: str) -> list[list[str]]:
    """The body rows of the first table after ``heading``, as lists of cell texts."""
    table = page[page.index(heading) :]
    table = table[table.index("<tbody>") : table.index("</table>")]
    return [
        [
            " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cell)).split())
            for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        ]
        for row in re.findall(r"<tr>(.*?)</tr>", table, re.S)
    ]


def skipping_team(make_round, make_city, make_user):
    """Three members in Πλόβντιβ: the first answers all 30 questions (level 3), the second only
    the first three vision questions (level 1), the third only the first data question (level
    2). Completeness is 100 % in every area; most areas were answered by one member of three."""
    from tests.test_reports import assess

    round_ = make_round("Пролет 2024")
    city = make_city("Πλόβντιβ", "BG")

    def level(area, index, respondent):
        if respondent == 0:
            return 3
        if respondent == 1:
            return 1 if area == "vision" and index < 3 else None
        return 2 if area == "data" and index == 0 else None

    assessment = assess(round_, city, level=level, respondents=3)
    make_user("leader@plovdiv.example", Role.LEADER, city)
    return round_, city, assessment


def test_each_area_and_question_says_how_many_members_answered(
    client, make_round, make_city, make_user
):
    from assessment.models import AgreedAnswer, AnswerKind

    round_, city, assessment = skipping_team(make_round, make_city, make_user)
    governance = round_.questionnaire.areas[1]
    db.session.add(
        AgreedAnswer(
            assessment_id=assessment.id,
            question_id=governance.questions[0].id,
            kind=AnswerKind.LEVEL,
            level=3,
            rationale="Работна среща",
        )
    )
    db.session.commit()
    login(client, "leader@plovdiv.example")
    text = client.get(f"/results/{round_.id}/{city.id}").get_data(as_text=True)
    rows = area_rows(text)
    assert [row[3] for row in rows] == ["100 %"] * 5  # rule 3: someone answered every question
    assert [row[4] for row in rows] == [
        "2 of 3 team members",
        "1 of 3 team members",
        "1 of 3 team members",
        "1 of 3 team members",
        "2 of 3 team members",
    ]
    assert "an area can be complete although only one member answered it" in text
    weakest = section_rows(text, "Questions with the lowest scores")
    vision, data = round_.questionnaire.areas[0], round_.questionnaire.areas[4]
    expected = [(q, "2 of 3 team members") for q in vision.questions[:3]]  # 25.0 each
    expected.append((data.questions[0], "2 of 3 team members"))  # 37.5
    expected.append((vision.questions[3], "1 of 3 team members"))  # 50.0
    assert [(row[0], row[2], row[3]) for row in weakest] == [
        (q.text["en"], "25.0" if q in vision.questions[:3] else "37.5" if q is data.questions[0]
         else "50.0", answered)
        for q, answered in expected
    ]  # fmt: skip
    (agreed_row,) = section_rows(text, 'id="agreed-heading"')
    assert agreed_row[0] == governance.questions[0].text["en"]
    assert agreed_row[-1] == "1 of 3 team members"  # the members' answers, not the agreed one


def test_answer_counts_are_one_query_whatever_the_questions(app, make_round, make_city, make_user):
    from sqlalchemy import event

    from assessment.results import answer_counts

    round_, _city, assessment = skipping_team(make_round, make_city, make_user)
    statements = []

    def count(*_args):
        statements.append(1)

    # the questionnaire is loaded (as on the page, which has shown it already)
    assert len([q for a in assessment.round.questionnaire.areas for q in a.questions]) == 30
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        counts = answer_counts(assessment)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == 1
    assert counts.respondents == 3
    assert counts.areas == {
        "vision": 2, "governance": 1, "systems": 1, "user_centric": 1, "data": 2
    }  # fmt: skip
    assert sum(counts.questions.values()) == 30 + 3 + 1
    assert counts.question(round_.questionnaire.areas[4].questions[1].key) == 1


def rounds_with_a_previous_one(make_round, make_city, make_user):
    """Αθήνα answers R1 at level 1 (0.0 everywhere), starts R2 without submitting it (level 5)
    and answers R3 at level 3 (50.0); Пловдив alone answers R2."""
    from tests.test_reports import assess

    first, second, third = make_round("Пролет 2022"), make_round("Есен 2022"), make_round("2024")
    athens, plovdiv = make_city("Αθήνα", "GR"), make_city("Пловдив", "BG")
    assess(first, athens, level=lambda a, q, r: 1)
    assess(second, athens, level=lambda a, q, r: 5, submitted=False)
    assess(second, plovdiv, level=lambda a, q, r: 2)
    assess(third, athens, level=lambda a, q, r: 3)
    make_user("leader@athens.example", Role.LEADER, athens)
    return first, third, athens


def test_the_previous_round_column_change_and_radar_series(
    client, make_round, make_city, make_user
):
    first, third, athens = rounds_with_a_previous_one(make_round, make_city, make_user)
    login(client, "leader@athens.example")
    text = client.get(f"/results/{third.id}/{athens.id}").get_data(as_text=True)
    # the latest earlier round in which the city has a submitted assessment: not Есен 2022
    header = text[
        text.index('class="area-table"') : text.index("<tbody>", text.index('class="area-table"'))
    ]
    assert "Пролет 2022" in header and "Есен 2022" not in text
    assert [row[3:5] for row in area_rows(text)] == [["0.0", "+50.0"]] * 5
    assert "Пролет 2022: 0.0 · Change: +50.0" in " ".join(text.split())
    series = radar(text)["series"]
    assert [(s["name"], s["values"]) for s in series] == [
        ("Αθήνα, 2024", [50.0] * 5),
        ("Αθήνα, Пролет 2022", [0.0] * 5),
    ]
    assert "no earlier result to compare with" not in text
    first_page = client.get(f"/results/{first.id}/{athens.id}").get_data(as_text=True)
    assert "no earlier result to compare with" in first_page
    assert len(radar(first_page)["series"]) == 1 and ">Change</th>" not in first_page


def test_the_radar_has_the_stage_rings_and_the_page_says_how_to_read_it(
    client, make_round, make_city, make_user
):
    _first, third, athens = rounds_with_a_previous_one(make_round, make_city, make_user)
    login(client, "leader@athens.example")
    text = client.get(f"/results/{third.id}/{athens.id}").get_data(as_text=True)
    assert radar(text)["stages"] == [
        {"from": 0.0, "label": "1 · Initial"},
        {"from": 20.0, "label": "2 · Developing"},
        {"from": 40.0, "label": "3 · Defined"},
        {"from": 60.0, "label": "4 · Managed"},
        {"from": 80.0, "label": "5 · Leading"},
    ]
    assert "rings at the stage boundaries 20, 40, 60 and 80" in text
    method = " ".join(html.unescape(text[text.index('id="method-heading"') :]).split())
    assert "How to read these results" in method
    for words in (
        "from 60 to below 80",
        "A question's score is the average of the team's answers",
        "an area can be complete although only one member answered it",
        "Above 20 points it is marked",
        "2 members of the city's team answered at least one question in this round.",
    ):
        assert words in method, words


def test_the_chart_area_says_the_chart_could_not_be_drawn_until_it_is(client, demo):
    """The message is in the HTML (results-radar.js removes it once it has drawn the chart), so
    it stays when plotly.js does not load; the figures table follows in the page."""
    round_ = round_named("2020 baseline")
    sofia = city_named("Sofia")
    login(client, "leader@sofia.example", DEMO_PASSWORD)
    text = client.get(f"/results/{round_.id}/{sofia.id}").get_data(as_text=True)
    chart_area = text[text.index('id="radar"') : text.index("</div>", text.index('id="radar"'))]
    assert (
        '<p class="chart-fallback" data-chart-fallback>The chart could not be drawn; the figures'
        " are in the table below.</p>" in chart_area
    )
    assert text.index('id="radar"') < text.index('class="area-table"')
    assert "<script>" not in text  # no inline script (CSP): the message is plain HTML
