"""City and cohort PDF reports, read back with pypdf: names, figures, languages, cache, commands."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from sqlalchemy import select

from assessment.extensions import db
from assessment.lookups import city_named, round_named
from assessment.models import (
    Answer,
    AnswerKind,
    Assessment,
    AssessmentStatus,
    City,
    Response,
    Role,
    User,
    utcnow,
)
from assessment.presentation import score_text
from assessment.results import round_scores
from questionnaires import localized
from reports.render import city_report, cohort_report

AREA_KEYS = ("vision", "governance", "systems", "user_centric", "data")


@pytest.fixture(autouse=True)
def report_cache(app, tmp_path, monkeypatch):
    """Every test gets its own empty cache folder."""
    monkeypatch.setitem(app.config, "REPORT_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def pdf_text(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return text, len(reader.pages)


def flat(text: str) -> str:
    """Text with every run of white space as one space (lines break anywhere in a PDF)."""
    return re.sub(r"\s+", " ", text)


def assess(
    round_,
    city: City,
    level: Callable[[str, int, int], int | None] = lambda area, q, r: 3,
    respondents: int = 2,
    submitted: bool = True,
    comment: str | None = None,
) -> Assessment:
    """An assessment of ``city``: ``level(area_key, question_index, respondent)`` for each answer
    (None: the question is left unanswered)."""
    assessment = Assessment(
        round_id=round_.id,
        city_id=city.id,
        status=AssessmentStatus.SUBMITTED if submitted else AssessmentStatus.IN_PROGRESS,
        submitted_at=utcnow() if submitted else None,
    )
    db.session.add(assessment)
    db.session.flush()
    for number in range(respondents):
        user = db.session.scalar(
            select(User).where(User.email == f"member{number}@city{city.id}.example")
        ) or User(
            email=f"member{number}@city{city.id}.example", role=Role.RESPONDENT, city_id=city.id
        )
        response = Response(assessment=assessment, respondent=user)
        db.session.add(response)
        for area in round_.questionnaire.areas:
            for index, question in enumerate(area.questions):
                value = level(area.key, index, number)
                if value is None:
                    continue
                response.answers.append(
                    Answer(
                        question=question,
                        kind=AnswerKind.LEVEL,
                        level=value,
                        comment=comment if (number, index, area.key) == (0, 0, "vision") else None,
                    )
                )
    db.session.commit()
    return assessment


def shown_overall(round_, city, language="en") -> str:
    (scores,) = round_scores(round_, [city.id])
    with force_locale(language):
        return score_text(scores.result.overall)


def test_city_report_english(demo):
    round_ = round_named("2022 follow-up")
    city = city_named("Helsinki")
    report = city_report(round_, city, "en")
    assert report.filename == "dmat-helsinki-2022-follow-up-en.pdf"
    text, pages = pdf_text(report.pdf)
    words = flat(text)
    assert "Helsinki" in words
    for area in round_.questionnaire.areas:
        assert localized(area.title, "en") in words
    overall = shown_overall(round_, city)
    assert re.fullmatch(r"\d+\.\d", overall)
    assert overall in words
    assert 8 <= pages <= 12
    assert f"Page {pages} of {pages}" in words
    assert "Page 2 of" in words
    # the cohort median (18 submitted cities) and the previous round are shown
    assert "Median of 18 cities" in words
    assert "2020 baseline" in words
    assert "Executive summary" in words and "How to read this report" in words
    reader = PdfReader(io.BytesIO(report.pdf))
    assert reader.metadata.title == "Digital maturity report: Helsinki, 2022 follow-up"
    assert "/Lang" in reader.trailer["/Root"] and reader.trailer["/Root"]["/Lang"] == "en"
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged (PDF/UA-1)


def test_city_report_bulgarian(demo):
    round_ = round_named("2022 follow-up")
    city = city_named("Sofia")
    report = city_report(round_, city, "bg")
    text, pages = pdf_text(report.pdf)
    words = flat(text)
    for area in round_.questionnaire.areas:
        title = localized(area.title, "bg")
        assert re.search("[а-я]", title)
        assert title in words
    overall = shown_overall(round_, city, "bg")
    assert re.fullmatch(r"\d+,\d", overall)  # a decimal comma, as the app shows it in Bulgarian
    assert overall in words
    assert f"Страница {pages} от {pages}" in words
    assert "Цифрова зрялост на общината" in words
    reader = PdfReader(io.BytesIO(report.pdf))
    assert reader.trailer["/Root"]["/Lang"] == "bg"


def test_insufficient_data_in_words(app, make_city, make_round):
    round_ = make_round("Spring")
    city = make_city("Plovdiv", "BG")
    # the data area: only 2 of 6 questions answered, so completeness is below one half
    assess(round_, city, level=lambda area, q, r: None if area == "data" and q >= 2 else 4)
    (scores,) = round_scores(round_, [city.id])
    assert scores.result.areas["data"].score is None and scores.result.overall is None
    text, _pages = pdf_text(city_report(round_, city, "en").pdf)
    words = flat(text)
    assert "insufficient data" in words
    assert "only 2 of its 6 applicable questions were scored" in words
    assert "There is no overall score yet" in words
    # no cohort median with a single city, and no earlier round
    assert "The cohort median is shown once at least 3 cities have submitted" in words
    assert "first round with this questionnaire" in words
    assert "Median of" not in words
    text_bg, _ = pdf_text(city_report(round_, city, "bg").pdf)
    assert "недостатъчно данни" in flat(text_bg)


def test_radar_in_the_report_has_no_made_up_value(app, make_city, make_round):
    from flask_babel import force_locale

    from reports.context import city_report_context

    round_ = make_round("Spring")
    city = make_city("Plovdiv", "BG")
    assess(round_, city, level=lambda area, q, r: None if area == "data" else 5)
    with force_locale("en"):
        context = city_report_context(round_, city, "en")
    svg = str(context["radar"])
    assert 'polygon class="series"' not in svg  # the city's line is broken at the gap
    assert svg.count('polyline class="series" data-series="0"') == 1
    assert "insufficient data" in svg


def test_cohort_median_needs_three_submitted_cities(app, make_city, make_round):
    round_ = make_round("Spring")
    cities = [make_city(name, "BG") for name in ("Burgas", "Plovdiv", "Ruse", "Varna")]
    assess(round_, cities[0], level=lambda a, q, r: 2)
    assess(round_, cities[1], level=lambda a, q, r: 4)
    assess(round_, cities[2], level=lambda a, q, r: 5, submitted=False)
    words = flat(pdf_text(city_report(round_, cities[0], "en").pdf)[0])
    assert "Median of" not in words and "(so far: 2)" in words
    assess(round_, cities[3], level=lambda a, q, r: 3)
    words = flat(pdf_text(city_report(round_, cities[0], "en").pdf)[0])
    assert "Median of 3 cities" in words
    # overall scores 25, 75 and 50 (levels 2, 4 and 3 of 5): the median is 50.0
    assert re.search(r"Overall 25\.0 2 · Developing 50\.0", words)


def test_previous_round_is_the_latest_earlier_one_of_the_city(app, make_city, make_round):
    first, second, third = make_round("R1"), make_round("R2"), make_round("R3")
    city, other = make_city("Ruse", "BG"), make_city("Varna", "BG")
    assess(first, city, level=lambda a, q, r: 1)
    assess(second, other, level=lambda a, q, r: 2)  # the city skipped R2
    assess(third, city, level=lambda a, q, r: 3)
    words = flat(pdf_text(city_report(third, city, "en").pdf)[0])
    assert "R1" in words and "R2" not in words
    assert "+50.0" in words  # 0.0 -> 50.0 in every area


def test_cache_serves_the_same_report_until_something_shown_changes(app, make_city, make_round):
    round_ = make_round("Spring")
    city = make_city("Ruse", "BG")
    assess(round_, city, level=lambda a, q, r: 3)
    first = city_report(round_, city, "en")
    again = city_report(round_, city, "en")
    assert not first.cached and again.cached and again.pdf == first.pdf
    assert not city_report(round_, city, "bg").cached  # another language, another report

    answer = db.session.scalar(select(Answer).order_by(Answer.id))
    answer.level = 5
    db.session.commit()
    changed = city_report(round_, city, "en")
    assert not changed.cached
    assert city_report(round_, city, "en").cached

    city.name = "Русе"
    db.session.commit()
    renamed = city_report(round_, city, "en")
    assert not renamed.cached and "Русе" in flat(pdf_text(renamed.pdf)[0])


def test_cache_keeps_one_file_per_report(app, make_city, make_round, report_cache):
    round_ = make_round("Spring")
    city = make_city("Ruse", "BG")
    assess(round_, city, level=lambda a, q, r: 3)
    city_report(round_, city, "en")
    city.name = "Ruse city"
    db.session.commit()
    city_report(round_, city, "en")
    assert len(list(report_cache.glob("city-*-en.*.pdf"))) == 1


def test_cohort_report(demo):
    round_ = round_named("2022 follow-up")
    report = cohort_report(round_, "en")
    assert report.filename == "dmat-cohort-2022-follow-up-en.pdf"
    text, pages = pdf_text(report.pdf)
    words = flat(text)
    for name in ("Amsterdam", "Sofia", "Zagreb"):
        assert name in words
    for area in round_.questionnaire.areas:
        assert localized(area.title, "en") in words
    assert "(in progress)" in words  # Sofia, Athens and Riga have not submitted
    assert "Median of 18 cities" in words
    assert "Progress since the previous round" in words and "2020 baseline" in words
    assert "Weakest questions across the cohort" in words
    assert pages >= 4
    text_bg, _ = pdf_text(cohort_report(round_, "bg").pdf)
    assert "Цифрова визия" in flat(text_bg)


def test_report_command(app, dmat, make_city, make_round, tmp_path):
    round_ = make_round("Spring")
    city = make_city("Ruse", "BG")
    assess(round_, city)
    target = tmp_path / "ruse.pdf"
    result = dmat(
        "report", "--round", "Spring", "--city", "ruse", "--lang", "bg", "-o", str(target)
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote {target}" in result.output
    assert "Ruse" in pdf_text(target.read_bytes())[0]
    result = dmat("report", "--round", "Spring", "--cohort", "-o", str(tmp_path / "c.pdf"))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--round", "Nope", "--city", "Ruse"], "no round named 'Nope'"),
        (["--round", "Spring", "--city", "Nowhere"], "no city named 'Nowhere'"),
        (["--round", "Spring", "--city", "Varna"], "Varna has no assessment in 'Spring'"),
        (["--round", "Spring"], "give either --city NAME or --cohort"),
        (
            ["--round", "Spring", "--city", "Ruse", "--cohort"],
            "give either --city NAME or --cohort",
        ),
    ],
)
def test_report_command_errors(app, dmat, make_city, make_round, tmp_path, arguments, message):
    round_ = make_round("Spring")
    assess(round_, make_city("Ruse", "BG"))
    make_city("Varna", "BG")
    target = tmp_path / "out.pdf"
    result = dmat("report", *arguments, "-o", str(target))
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert not target.exists()


def test_report_command_output_errors(app, dmat, make_city, make_round, tmp_path):
    round_ = make_round("Spring")
    assess(round_, make_city("Ruse", "BG"))
    result = dmat("report", "--round", "Spring", "--city", "Ruse", "-o", str(tmp_path))
    assert result.exit_code == 1 and "is a directory" in result.output
    missing = tmp_path / "nowhere" / "x.pdf"
    result = dmat("report", "--round", "Spring", "--city", "Ruse", "-o", str(missing))
    assert result.exit_code == 1 and "does not exist" in result.output


def test_reports_command(app, dmat, make_city, make_round, tmp_path):
    round_ = make_round("Spring")
    for name in ("Ruse", "Varna", "Burgas"):
        assess(round_, make_city(name, "BG"))
    make_city("Pleven", "BG")  # no assessment: no report
    folder = tmp_path / "out"
    result = dmat("reports", "--round", "Spring", "-o", str(folder), "--lang", "en", "--lang", "bg")
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(
        f"dmat-{city}-spring-{lang}.pdf"
        for city in ("ruse", "varna", "burgas")
        for lang in ("en", "bg")
    )
    assert re.search(
        r"6 of 6 reports written to .* in [\d.]+ s \(\d workers?, 0 from the cache\)", result.output
    )
    again = dmat("reports", "--round", "Spring", "-o", str(folder))
    assert "3 of 3 reports written" in again.output and "3 from the cache" in again.output
    result = dmat("reports", "--round", "Nope", "-o", str(folder))
    assert result.exit_code == 1 and "no round named 'Nope'" in result.output
    result = dmat("reports", "--round", "Spring", "-o", str(folder / names[0]))
    assert result.exit_code == 1 and "is a file, not a folder" in result.output


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_reports_command_uses_a_process_pool(tmp_path, monkeypatch, method):
    """On a database the workers can reach, both cores render: forked workers with the caller's
    app (warmed up before the fork), spawned ones (where fork is missing) each with its own."""
    from flask.cli import ScriptInfo

    from assessment import create_app
    from assessment.admin.operations import import_questionnaire
    from assessment.cli import cli
    from assessment.models import Round
    from config import TestConfig
    from questionnaires import BUNDLED_QUESTIONNAIRE, load_questionnaire_file

    class FileConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'pool.sqlite'}"
        REPORT_CACHE_DIR = str(tmp_path / "cache")

    import reports.batch

    monkeypatch.setattr(reports.batch, "get_all_start_methods", lambda: [method])
    pool_app = create_app(FileConfig)
    with pool_app.app_context():
        db.create_all()
        questionnaire, _ = import_questionnaire(load_questionnaire_file(BUNDLED_QUESTIONNAIRE))
        round_ = Round(name="Spring", questionnaire=questionnaire)
        db.session.add(round_)
        db.session.commit()
        for name in ("Ruse", "Varna", "Burgas"):
            city = City(name=name, country="BG")
            db.session.add(city)
            db.session.commit()
            assess(round_, city)
        folder = tmp_path / "out"
        result = pool_app.test_cli_runner().invoke(
            cli,
            ["reports", "--round", "Spring", "-o", str(folder), "--jobs", "2"],
            obj=ScriptInfo(create_app=lambda: pool_app),
        )
        assert result.exit_code == 0, result.output
        assert "3 of 3 reports written" in result.output and "(2 workers" in result.output
        assert len(list(folder.glob("dmat-*-spring-en.pdf"))) == 3
        assert "Burgas" in pdf_text((folder / "dmat-burgas-spring-en.pdf").read_bytes())[0]
        db.session.remove()
        db.engine.dispose()


def cohort_where_one_city_scores_systems(make_round, make_city, all_score: bool):
    """Three submitted cities; Σόφια scores "systems" 75.0, the others 100.0 and 25.0 only when
    ``all_score``, else nothing there (every other area: 50.0, 25.0, 25.0)."""
    round_ = make_round("Άνοιξη" if all_score else "Есен")
    sofia, athens, plovdiv = (
        make_city(f"{name} {round_.name}", cc)
        for name, cc in (("Σόφια", "BG"), ("Αθήνα", "GR"), ("Пловдив", "BG"))
    )
    assess(round_, sofia, level=lambda area, q, r: 4 if area == "systems" else 3)
    for city, systems in ((athens, 5), (plovdiv, 2)):
        assess(
            round_,
            city,
            level=lambda area, q, r, systems=systems: (
                (systems if all_score else None) if area == "systems" else 2
            ),
        )
    return round_, sofia, athens


def test_a_cohort_median_needs_three_cities_with_a_score_there(app, make_city, make_round):
    """Three cities have submitted, but only one has a systems score: the report of another
    prints no median there (it would be that city's own score), nor an overall median."""
    round_, _sofia, athens = cohort_where_one_city_scores_systems(make_round, make_city, False)
    words = flat(pdf_text(city_report(round_, athens, "en").pdf)[0])
    assert "75.0" not in words  # Σόφια's systems score, the only one
    # (the row title is "Technology systems development", split by the text extraction)
    assert re.search(r"systems development insufficient data – not enough cities 1 ", words)
    assert re.search(r"Overall insufficient data – not enough cities 1 ", words)
    assert "Cohort median: not enough cities (1 city with a score)" in words
    assert "The cohort is the 3 cities that have submitted in this round" in words
    assert re.search(r"Digital vision 25\.0 2 · Developing 25\.0 3 ", words)

    round_, _sofia, athens = cohort_where_one_city_scores_systems(make_round, make_city, True)
    words = flat(pdf_text(city_report(round_, athens, "en").pdf)[0])
    assert re.search(r"systems development 100\.0 5 · Leading 75\.0 3 ", words)
    assert "Cohort median: 75.0 (3 cities with a score)" in words


@pytest.mark.parametrize(
    ("language", "answered"),
    [("en", "Answered by: %d of 3 team members"), ("bg", "Отговорили: %d от 3 членове на екипа")],
)
def test_each_area_says_how_many_members_answered(
    app, make_city, make_round, make_user, language, answered
):
    from tests.test_results_page import skipping_team

    round_, city, _assessment = skipping_team(make_round, make_city, make_user)
    words = flat(pdf_text(city_report(round_, city, language).pdf)[0])
    # completeness 100 % everywhere, but only the vision and data areas had two members' answers
    found = re.findall(answered.replace("%d", r"(\d)"), words)
    assert found == ["2", "1", "1", "1", "2"]


def test_the_report_compares_with_the_same_previous_round_as_the_results_page(
    app, make_city, make_round, make_user
):
    from tests.test_results_page import rounds_with_a_previous_one

    _first, third, athens = rounds_with_a_previous_one(make_round, make_city, make_user)
    words = flat(pdf_text(city_report(third, athens, "en").pdf)[0])
    # Есен 2022 has the city's assessment, but not submitted: the report skips it, as the page does
    assert "Пролет 2022" in words and "Есен 2022" not in words
    assert re.search(r"Overall 50\.0 3 · Defined 0\.0 \+50\.0", words)
    # the method text the results page shares
    assert "an area can be complete although only one member answered it" in words
    assert 'the results say "insufficient data" instead of a number' in words
