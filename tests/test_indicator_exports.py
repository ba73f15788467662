"""Indicators in the round's exports (CSV zip, XLSX sheet, JSON key) and in the API."""

from __future__ import annotations

import io
import json
import zipfile

from assessment.api.operations import create_token
from assessment.compare.exports import export_bytes
from assessment.extensions import db
from assessment.lookups import city_named
from assessment.models import IndicatorValue

from .test_indicator_cohort import cohort  # noqa: F401  (a fixture)
from .test_indicator_page import HOSTILE
from .test_indicator_values import indicator_questionnaire  # noqa: F401  (a fixture)


def with_hostile_source():
    value = db.session.query(IndicatorValue).filter(IndicatorValue.value == 40.0).one()
    value.source = HOSTILE
    db.session.commit()


def test_csv_export_has_indicators_csv_that_reimports(cohort, dmat, tmp_path):  # noqa: F811
    _base, follow, _coordinator = cohort
    with_hostile_source()
    with zipfile.ZipFile(io.BytesIO(export_bytes(follow, "csv"))) as archive:
        assert set(archive.namelist()) == {
            "answers.csv",
            "scores.csv",
            "agreed.csv",
            "indicators.csv",
            "plans.csv",
        }
        text = archive.read("indicators.csv").decode()
    lines = text.splitlines()
    assert lines[0] == "city,indicator,value,source,as_of"
    assert len(lines) == 1 + 7
    assert (
        '"<script>alert(1)</script> =HYPERLINK(""http://evil.example"") http://x.example"' in text
    )
    # the export's rows are an indicators import file: re-importing replaces every value
    target = tmp_path / "indicators.csv"
    target.write_text("\n".join(line for line in lines if "Zagreb" not in line) + "\n")
    done = dmat("indicators", "import", "--round", "2022 follow-up", str(target))
    assert done.exit_code == 1  # the submitted cities' values are locked
    assert "is submitted, so its indicator values are locked" in done.output


def test_xlsx_export_has_an_indicators_sheet(cohort):  # noqa: F811
    from openpyxl import load_workbook

    _base, follow, _coordinator = cohort
    workbook = load_workbook(io.BytesIO(export_bytes(follow, "xlsx")), read_only=True)
    assert workbook.sheetnames == [
        "answers",
        "scores",
        "agreed",
        "questions",
        "indicators",
        "plans",
    ]
    rows = list(workbook["indicators"].iter_rows(values_only=True))
    assert rows[0] == ("city", "indicator", "value", "source", "as_of")
    assert ("София", "open_datasets", 40) in rows  # empty cells at the end are not written
    workbook.close()


def test_json_export_has_the_indicators_key(cohort):  # noqa: F811
    _base, follow, _coordinator = cohort
    document = json.loads(export_bytes(follow, "json"))
    values = document["indicators"]["values"]
    assert {"city": "<b>Zagreb</b>", "indicator": "services_online", "value": 99.0,
            "source": None, "as_of": None} in values  # fmt: skip
    assert document["indicators"]["cohort"]["open_datasets"]["median"] == 55.0
    assert document["indicators"]["cohort"]["services_online"]["n"] == 2


def test_exports_of_a_round_without_indicators_are_as_before(app, make_round):
    round_ = make_round("2019 pilot")
    with zipfile.ZipFile(io.BytesIO(export_bytes(round_, "csv"))) as archive:
        assert "indicators.csv" not in archive.namelist()
    assert "indicators" not in json.loads(export_bytes(round_, "json"))


def test_the_api_gives_round_and_city_indicators(cohort, client):  # noqa: F811
    _base, follow, coordinator = cohort
    _row, token = create_token(coordinator, "script")
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    found = client.get(f"/api/v1/rounds/{follow.id}/indicators", headers=headers).get_json()
    assert found["round"] == "2022 follow-up" and len(found["values"]) == 7
    assert found["cohort"]["services_online"]["n"] == 2
    sofia = city_named("София")
    rows = client.get(f"/api/v1/cities/{sofia.id}/indicators", headers=headers).get_json()
    datasets = next(r for r in rows if r["key"] == "open_datasets")
    assert datasets == {"key": "open_datasets", "round": "2022 follow-up", "value": 40.0,
                        "previous": {"round": "2020 baseline", "value": 50.0},
                        "change": -10.0, "trend": "worsened", "source": None}  # fmt: skip
    assert client.get("/api/v1/cities/999999/indicators", headers=headers).status_code == 404
