"""The users list: a search by name or e-mail in any script, filters by role and city, and
pages of 50 with a count."""

from __future__ import annotations

import re

import pytest

from assessment.extensions import db
from assessment.models import Role, User
from tests.conftest import csrf_token
from tests.test_compare_access import client_for


@pytest.fixture
def coordinator(app, make_user):
    make_user("coordinator@dmat.example", Role.COORDINATOR)
    return client_for(app, "coordinator@dmat.example")


@pytest.fixture
def people(make_city, make_user):
    sofia, athens = make_city("София", "BG"), make_city("Αθήνα", "GR")
    ivana = make_user("ivana@sofia.example", Role.LEADER, sofia)
    ivana.name = "Ивана Петрова"
    giorgos = make_user("g.papadopoulos@athens.example", Role.RESPONDENT, athens)
    giorgos.name = "ΓΙΏΡΓΟΣ ΠΑΠΑΔΌΠΟΥΛΟΣ"
    make_user("maria@athens.example", Role.LEADER, athens).name = "Μαρία Νικολάου"
    db.session.commit()
    return {"sofia": sofia, "athens": athens}


def listed(page: str) -> list[str]:
    return re.findall(r'<th scope="row">([^<]+)</th>', page)


def test_search_by_name_or_e_mail_in_any_script(coordinator, people):
    # lower case finds upper case in Cyrillic and Greek (accents and the final sigma folded)
    page = coordinator.get("/admin/users?q=иВАНА").get_data(as_text=True)
    assert listed(page) == ["ivana@sofia.example"]
    assert "1 user, page 1 of 1" in page
    page = coordinator.get("/admin/users?q=γιώργος παπαδόπουλος").get_data(as_text=True)
    assert listed(page) == ["g.papadopoulos@athens.example"]
    page = coordinator.get("/admin/users?q=ATHENS.example").get_data(as_text=True)
    assert listed(page) == ["g.papadopoulos@athens.example", "maria@athens.example"]
    assert "2 users, page 1 of 1" in page
    page = coordinator.get("/admin/users?q=nobody").get_data(as_text=True)
    assert listed(page) == [] and "No users." in page and "0 users, page 1 of 1" in page
    assert 'value="nobody"' in page  # the search box keeps what was asked


def test_filters_by_role_and_city(coordinator, people):
    athens = people["athens"].id
    page = coordinator.get(f"/admin/users?city={athens}").get_data(as_text=True)
    assert listed(page) == ["g.papadopoulos@athens.example", "maria@athens.example"]
    page = coordinator.get(f"/admin/users?city={athens}&role=leader").get_data(as_text=True)
    assert listed(page) == ["maria@athens.example"]
    assert f'<option value="{athens}" selected>Αθήνα</option>' in page
    # unknown values fall back to no filter, never a 500
    for query in ("city=abc", "city=999999", "role=king", "page=x", "page=-3", "q=" + "я" * 500):
        response = coordinator.get(f"/admin/users?{query}")
        assert response.status_code == 200, query
    page = coordinator.get("/admin/users?city=999999").get_data(as_text=True)
    assert "ivana@sofia.example" in page


def test_pages_of_fifty_with_a_count_and_a_pager(coordinator, people):
    team = people["sofia"]
    db.session.add_all(
        User(email=f"член{i:03d}@sofia.example", name=f"Член {i}", role=Role.RESPONDENT, city=team)
        for i in range(117)
    )
    db.session.commit()
    first = coordinator.get(f"/admin/users?city={team.id}").get_data(as_text=True)
    assert "118 users, page 1 of 3" in first
    assert len(listed(first)) == 50
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert f"/admin/users?page=2&amp;city={team.id}" in first  # the filters stay in the pager
    second = coordinator.get(f"/admin/users?city={team.id}&page=2").get_data(as_text=True)
    assert "118 users, page 2 of 3" in second
    assert 'rel="prev"' in second and 'rel="next"' in second
    assert not set(listed(first)) & set(listed(second))
    last = coordinator.get(f"/admin/users?city={team.id}&page=99").get_data(as_text=True)
    assert "page 3 of 3" in last and len(listed(last)) == 18
    everyone = coordinator.get("/admin/users").get_data(as_text=True)
    assert "121 users, page 1 of 3" in everyone
    token = csrf_token(coordinator, "/admin/users")
    coordinator.post("/language", data={"language": "bg", "csrf_token": token})
    bulgarian = coordinator.get("/admin/users").get_data(as_text=True)
    assert "121 потребители, страница 1 от 3" in bulgarian
