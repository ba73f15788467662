"""Hostile input everywhere: each gets a clear refusal (never a 500), and nothing stored changes.

Script injection, SQL-looking text, overlong text, NUL characters, wrong encodings, huge files,
YAML bombs, Python tags and broken spreadsheets, through the real forms and uploads.
"""

from __future__ import annotations

import functools
import io
import re
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from sqlalchemy import func, select

from assessment.admin.operations import import_responses
from assessment.admin.response_files import read_response_file
from assessment.errors import DmatError
from assessment.extensions import db
from assessment.lookups import round_named
from assessment.models import Answer, City, Question, Questionnaire, Round, User

from .conftest import csrf_token, login

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
SQL = "Robert'); DROP TABLE city; --"


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Answer, City, User, Questionnaire, Round)
    )


def as_user(client, email: str) -> str:
    assert login(client, email, "dmat-demo-2022").status_code == 302
    return csrf_token(client, "/")


@pytest.fixture
def respondent(client, demo):
    """Sofia's member 1 on the vision page of the open round: (round id, question, token)."""
    round_ = round_named("2022 follow-up")
    question = db.session.scalar(select(Question).where(Question.key == "vision_strategy"))
    as_user(client, "member1@sofia.example")
    page = client.get(f"/survey/{round_.id}/areas/vision").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
    return round_.id, question.id, token


def save(client, round_id, question_id, token, **body):
    return client.post(
        f"/survey/{round_id}/answer",
        json={"question": question_id, **body},
        headers={"X-CSRFToken": token},
    )


def test_a_lone_surrogate_is_refused_naming_its_field(client, respondent):
    round_id, question_id, token = respondent
    before = counts()
    response = save(client, round_id, question_id, token, answer="3", comment="Σχόλιο \ud83d")
    assert response.status_code == 400
    assert response.get_json() == {
        "ok": False,
        "code": "lone_surrogate",
        "error": "The field “comment” contains an unpaired surrogate (an invalid character), "
        "which is not allowed.",
    }
    # a surrogate pair is an ordinary character
    response = save(client, round_id, question_id, token, answer="3", comment="Σχόλιο \U0001f600")
    assert response.status_code == 200
    assert db.session.scalar(select(Answer.comment).where(Answer.comment == "Σχόλιο 😀"))
    assert counts()[1:] == before[1:]


def test_script_in_a_comment_is_stored_as_text_and_shown_escaped(client, respondent):
    round_id, question_id, token = respondent
    assert save(client, round_id, question_id, token, answer="3", comment=XSS).status_code == 200
    assert db.session.scalar(select(Answer.comment).where(Answer.comment == XSS)) == XSS
    page = client.get(f"/survey/{round_id}/areas/vision").get_data(as_text=True)
    assert "<script>alert" not in page and "onerror=alert(1)>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"answer": "3", "comment": "x" * 4001}, "comment_too_long"),
        ({"answer": "3", "comment": "before\x00after"}, "nul_character"),
        ({"answer": "3\x00"}, "nul_character"),
        ({"answer": SQL}, "not_a_level"),
        ({"answer": "99"}, "not_a_level"),
        ({"answer": ["3"]}, "not_a_level"),
        ({"answer": "3", "comment": 42}, "bad_comment"),
        # digits that str.isdigit() accepts: "²" made int() fail, "٣" and "４" were levels
        ({"answer": "²"}, "not_a_level"),
        ({"answer": "٣"}, "not_a_level"),
        ({"answer": "４"}, "not_a_level"),
        ({"answer": "3", "question": "²"}, "other_questionnaire"),
        # a lone surrogate, sent as the JSON escape "\ud800", cannot be stored as text
        ({"answer": "3", "comment": "Коментар \ud800"}, "lone_surrogate"),
        ({"answer": "\udfff"}, "lone_surrogate"),
        ({"answer": "3", "\ud800": "x"}, "lone_surrogate"),
    ],
)
def test_bad_autosaves_are_refused_and_change_nothing(client, respondent, body, code):
    round_id, question_id, token = respondent
    before = counts()
    response = save(client, round_id, question_id, token, **body)
    assert response.status_code == 400
    assert response.get_json()["code"] == code
    assert response.get_json()["error"]
    assert counts() == before


def test_nul_in_a_form_field_is_refused_with_the_field_name(client):
    token = csrf_token(client)
    response = client.post(
        "/login", data={"email": "a\x00@b.example", "password": "x" * 12, "csrf_token": token}
    )
    assert response.status_code == 400
    assert "“email” contains a NUL character" in response.get_data(as_text=True)


@pytest.mark.parametrize("name", [XSS[:100], SQL])
def test_city_names_with_markup_or_sql_are_only_text(client, demo, name):
    token = as_user(client, "coordinator@dmat.example")
    response = client.post(
        "/admin/cities", data={"name": name, "country": "BG", "csrf_token": token}
    )
    assert response.status_code in (200, 302)
    assert db.session.scalar(select(City).where(City.name == " ".join(name.split()))) is not None
    assert db.session.scalar(select(func.count()).select_from(City)) == 22  # the table is there
    page = client.get("/admin/cities").get_data(as_text=True)
    assert "<script>alert" not in page


def test_overlong_and_control_character_names_are_refused(client, demo):
    token = as_user(client, "coordinator@dmat.example")
    before = counts()
    for name in ("x" * 500, "bad\x07name"):
        response = client.post(
            "/admin/cities", data={"name": name, "country": "BG", "csrf_token": token}
        )
        assert response.status_code in (200, 400)
        assert response.status_code != 500
    assert counts() == before


def upload(client, path: str, token: str, data: bytes, filename: str, **extra):
    return client.post(
        path,
        data={"csrf_token": token, "file": (io.BytesIO(data), filename), **extra},
        content_type="multipart/form-data",
    )


def xlsx_with_cell(xml_text: bytes) -> bytes:
    """A workbook whose second row's comment cell holds ``xml_text`` as written in the XML."""
    workbook = Workbook()
    workbook.active.append(["city", "respondent", "question", "answer", "comment"])
    workbook.active.append(["Sofia", "x@sofia.example", "vision_strategy", "3", "PLACEHOLDER"])
    written = io.BytesIO()
    workbook.save(written)
    changed = io.BytesIO()
    with zipfile.ZipFile(written) as source, zipfile.ZipFile(changed, "w") as target:
        for name in source.namelist():
            target.writestr(name, source.read(name).replace(b"PLACEHOLDER", xml_text))
    return changed.getvalue()


BOMB = (
    b"a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
    b"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (BOMB, "anchors and aliases"),
        (b"key: !!python/object/apply:os.system ['touch /tmp/owned']\n", "not allowed"),
        ("title: caf\xe9\n".encode("latin-1"), "not UTF-8"),
        (b"key: x\x00\n", "NUL"),
        (b"[unclosed", "not valid YAML"),
        (b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "not UTF-8"),
        (b"[" * 10_000, "q.yaml:1: nesting deeper than 64 levels"),
        (b"key: a\nversion: " + b"9" * 5_000, "q.yaml:2: version must be a whole number"),
    ],
)
def test_hostile_questionnaire_uploads(client, demo, data, message):
    token = as_user(client, "coordinator@dmat.example")
    before = counts()
    response = upload(client, "/admin/questionnaires", token, data, "q.yaml", check="1")
    assert response.status_code in (200, 400)
    assert message in response.get_data(as_text=True)
    assert counts() == before


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"PK\x03\x04" + b"\x00" * 200, "broken.xlsx", "not a readable XLSX workbook"),
        (b"PK\x03\x04garbage", "r.xlsx", "not a readable XLSX workbook"),
        (
            "city,respondent,question,answer\nC\xf3rdoba,a@b.example,vision_strategy,1\n".encode(
                "latin-1"
            ),
            "r.csv",
            "not UTF-8",
        ),
        (
            b"city,respondent,question,answer\nSofia,a@b.example,vision_strategy,1\x00\n",
            "r.csv",
            "NUL",
        ),
        (b"\xff\xfe" + "city,respondent".encode("utf-16-le"), "r.csv", "not UTF-8"),
        (
            f"city,respondent,question,answer\nSofia,x@sofia.example,vision_strategy,{SQL}\n".encode(),
            "r.csv",
            "must be a level",
        ),
        *(
            (
                f"city,respondent,question,answer\nSofia,x@sofia.example,vision_strategy,{level}\n".encode(),
                "r.csv",
                f"r.csv:2: answer &#39;{level}&#39; to vision_strategy must be a level 1..5",
            )
            for level in ("²", "٣", "４")
        ),
        # characters XML forbids, which the sheet's parser reaches only at their row
        (xlsx_with_cell(b"&#xD800;"), "r.xlsx", "r.xlsx:2: not a readable XLSX workbook"),
        (xlsx_with_cell(b"a&#0;b"), "r.xlsx", "r.xlsx:2: not a readable XLSX workbook"),
    ],
)
def test_hostile_response_uploads(client, demo, data, filename, message):
    token = as_user(client, "coordinator@dmat.example")
    round_id = round_named("2022 follow-up").id
    before = counts()
    response = upload(client, f"/admin/rounds/{round_id}/import", token, data, filename)
    assert response.status_code in (200, 400)
    assert message in response.get_data(as_text=True)
    assert counts() == before


def test_huge_upload_is_refused_before_it_is_read(client, demo, app):
    token = as_user(client, "coordinator@dmat.example")
    round_id = round_named("2022 follow-up").id
    boundary = "dmatboundary"
    huge = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\ncity,respondent,question,answer\n"
    ).encode() + b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    before = counts()
    response = client.post(  # a raw body: the test client would spool a huge file to disk
        f"/admin/rounds/{round_id}/import",
        data=huge,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    assert "The file is larger than the server accepts." in response.get_data(as_text=True)
    assert counts() == before


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.lists(
            st.one_of(
                st.sampled_from(
                    ["Sofia", "vision_strategy", "3", "dont_know", "a@sofia.example", "", '"', "\n"]
                ),
                st.text(max_size=12),
            ),
            max_size=6,
        ),
        max_size=6,
    )
)
def test_any_csv_is_imported_or_refused_with_located_problems(demo, tmp_path, rows):
    text = "city,respondent,question,answer,comment\n" + "\n".join(",".join(r) for r in rows)
    round_ = round_named("2022 follow-up")
    before = counts()
    try:
        parsed = read_response_file(text.encode("utf-8", "surrogatepass"), "f.csv")
        import_responses(round_, parsed, "f.csv")
    except DmatError as error:
        db.session.rollback()
        assert error.message
        assert all(re.match(r"^f\.csv:\d+: \S", p) for p in error.problems), error.problems
        assert counts() == before
    except UnicodeEncodeError:
        pass  # lone surrogates cannot even be written to a file
    else:
        db.session.rollback()


def workbook_without_its_sheet() -> bytes:
    """A valid zip workbook from which ``xl/worksheets/sheet1.xml`` was removed."""
    import zipfile

    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["city", "respondent", "question", "answer"])
    workbook.active.append(["София", "a@sofia.example", "vision_strategy", 3])
    whole = io.BytesIO()
    workbook.save(whole)
    out = io.BytesIO()
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            if name != "xl/worksheets/sheet1.xml":
                target.writestr(name, source.read(name))
    return out.getvalue()


def test_workbook_without_a_sheet_is_not_readable(client, demo, dmat, tmp_path):
    data = workbook_without_its_sheet()
    with pytest.raises(DmatError, match=r"^r\.xlsx: not a readable XLSX workbook"):
        read_response_file(data, "r.xlsx")
    token = as_user(client, "coordinator@dmat.example")
    round_id = round_named("2022 follow-up").id
    before = counts()
    response = upload(client, f"/admin/rounds/{round_id}/import", token, data, "r.xlsx")
    assert response.status_code == 200
    assert "r.xlsx: not a readable XLSX workbook" in response.get_data(as_text=True)
    (tmp_path / "r.xlsx").write_bytes(data)
    result = dmat("responses", "import", "--round", "2022 follow-up", str(tmp_path / "r.xlsx"))
    assert result.exit_code == 1 and "not a readable XLSX workbook" in result.output
    assert "Traceback" not in result.output
    assert counts() == before


BAD_LINES = 400_000
BAD_FILE = b"city,respondent,question,answer\n" + b"\xce\xa3\n" * BAD_LINES  # "Σ" alone: 1 field


def upload_raw(client, path: str, token: str, data: bytes, filename: str):
    """An upload as a raw body: the test client would spool a large file to a temporary file
    that it leaves open."""
    boundary = "dmatboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        f"--{boundary}\r\nContent-Disposition: form-data; "
        f'name="file"; filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'
    )
    body = head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_file_with_400000_bad_lines_lists_the_first_20_problems(client, demo, dmat, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD_FILE)
    result = dmat("responses", "import", "--round", "2022 follow-up", str(path))
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert len(lines) == 22, lines[:3]
    assert lines[0] == f"{path}:2: expected 4 fields (city,respondent,question,answer), found 1"
    assert lines[19].startswith(f"{path}:21: ")
    assert lines[20] == "and 399,980 more problems"
    assert lines[21] == f"Error: {path}: 400000 malformed line(s)"

    token = as_user(client, "coordinator@dmat.example")
    round_id = round_named("2022 follow-up").id
    response = upload_raw(client, f"/admin/rounds/{round_id}/import", token, BAD_FILE, "bad.csv")
    page = response.get_data(as_text=True)
    # the problems add a few lines to the page (with its list of question keys), never 400,000
    empty = client.get(f"/admin/rounds/{round_id}/import").get_data(as_text=True)
    assert len(page) < len(empty) + 10_000
    assert page.count("<li>bad.csv:") == 20 and "<li>bad.csv:21: " in page
    assert "and 399,980 more problems" in page
    client.post("/language", data={"language": "bg", "csrf_token": token, "next": "/"})
    response = upload_raw(client, f"/admin/rounds/{round_id}/import", token, BAD_FILE, "bad.csv")
    assert "и още 399\xa0980 проблема" in response.get_data(as_text=True)


def test_one_problem_beyond_the_list_is_counted_in_the_singular(client, demo, dmat, tmp_path):
    data = b"city,respondent,question,answer\n" + b"x\n" * 21
    path = tmp_path / "bad.csv"
    path.write_bytes(data)
    result = dmat("responses", "import", "--round", "2022 follow-up", str(path))
    assert result.exit_code == 1 and "\nand 1 more problem\n" in result.output
    token = as_user(client, "coordinator@dmat.example")
    round_id = round_named("2022 follow-up").id
    response = upload(client, f"/admin/rounds/{round_id}/import", token, data, "bad.csv")
    assert "and 1 more problem<" in response.get_data(as_text=True)
    client.post("/language", data={"language": "bg", "csrf_token": token, "next": "/"})
    response = upload(client, f"/admin/rounds/{round_id}/import", token, data, "bad.csv")
    assert "и още 1 проблем<" in response.get_data(as_text=True)
TOO_BIG_ID = "99999999999999999999"  # beyond 64 bits: no INTEGER column can hold it
ROUTE_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")


def addresses_with_a_huge_id(app) -> list[tuple[str, str]]:
    """(method, address) for every route with an int argument, each int argument too big in
    turn, the other arguments ordinary."""
    found = []
    for rule in app.url_map.iter_rules():
        ints = [name for converter, name in ROUTE_ARGUMENT.findall(rule.rule) if converter == "int"]
        method = "GET" if "GET" in rule.methods else "POST"
        for huge in ints:

            def value(match, huge=huge):
                converter, name = match.groups()
                if converter == "int":
                    return TOO_BIG_ID if name == huge else "1"
                return "vision"

            found.append((method, ROUTE_ARGUMENT.sub(value, rule.rule)))
    return found


@pytest.mark.parametrize("role", ["admin", "respondent"])
def test_ids_beyond_an_integer_column_are_404_on_every_route(
    app, client, make_city, make_user, role
):
    city = make_city("Пловдив")
    email = {"admin": "ελένη@dmat.example", "respondent": "мария@plovdiv.example"}[role]
    make_user(email, role, None if role == "admin" else city)
    assert login(client, email).status_code == 302
    token = csrf_token(client, "/")
    addresses = addresses_with_a_huge_id(app)
    assert len(addresses) >= 20  # the team, survey, results, report, admin and API routes
    wrong = []
    for method, address in addresses:
        try:
            response = client.open(address, method=method, data={"csrf_token": token})
        except Exception as error:  # the app raised instead of answering
            wrong.append(f"{method} {address}: {type(error).__name__}")
            continue
        if response.status_code != 404:
            wrong.append(f"{method} {address}: {response.status_code}")
    assert wrong == []


DEEP_JSON = b"[" * 100_000


def test_json_nested_too_deep_is_a_400_on_every_kind_of_route(client, respondent):
    round_id, _, token = respondent
    for method, address in [
        ("GET", "/health"),
        ("POST", "/health"),
        ("POST", f"/survey/{round_id}/answer"),
        ("POST", "/login"),
        ("GET", "/api/v1/rounds"),
    ]:
        response = client.open(
            address,
            method=method,
            data=DEEP_JSON,
            content_type="application/json",
            headers={"X-CSRFToken": token},
        )
        assert response.status_code == 400, (method, address)
        refusal = response.get_json()["error"]
        if address.startswith("/api/"):
            refusal = refusal["message"]  # the API's error shape
        assert "nested deeper than 64 levels" in refusal


def test_json_at_the_depth_limit_is_parsed_as_usual(client, respondent):
    round_id, question_id, token = respondent
    nested = "[" * 63 + "3" + "]" * 63  # 63 lists inside the body's object: 64 levels
    body = f'{{"question": {question_id}, "answer": {nested}}}'
    response = client.post(
        f"/survey/{round_id}/answer",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == "not_a_level"  # read, then refused for what it says


def test_the_apps_json_parser_refuses_deep_nesting_with_a_value_error(app):
    with pytest.raises(ValueError, match="nested deeper than 64"):
        app.json.loads("[" * 65 + "]" * 65)
    brackets_in_text = '["' + "[" * 70 + '"]'
    assert app.json.loads(brackets_in_text) == ["[" * 70]
    assert app.json.loads("[" * 64 + "]" * 64) == functools.reduce(lambda x, _: [x], range(63), [])


def test_a_questionnaire_version_beyond_an_integer_column_is_not_imported(client, demo):
    from .test_questionnaire_loader import VALID

    token = as_user(client, "coordinator@dmat.example")
    before = counts()
    data = VALID.replace("version: 2", "version: 99999999999999999999").encode()
    response = upload(client, "/admin/questionnaires", token, data, "q.yaml")
    assert response.status_code == 200
    assert (
        "q.yaml:2: version must be a whole number from 1 to 2147483647, not 99999999999999999999"
        in response.get_data(as_text=True)
    )
    assert counts() == before


def nesting(value) -> int:
    if isinstance(value, list):
        return 1 + max(map(nesting, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(nesting, value.values()), default=0)
    return 0


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='[]{}"\\ab\n', max_size=8),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.text(alphabet='[]{}"\\k', max_size=4), inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(JSON_VALUES, st.integers(0, 70))
def test_the_depth_check_agrees_with_the_parsed_nesting(value, wrapping):
    import json

    from assessment.security import MAX_JSON_DEPTH, json_too_deep

    wrapped = functools.reduce(lambda inner, _: [inner], range(wrapping), value)
    text = json.dumps(wrapped, ensure_ascii=False)
    expected = nesting(wrapped) > MAX_JSON_DEPTH
    assert json_too_deep(text) is expected
    assert json_too_deep(text.encode()) is expected
