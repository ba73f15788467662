"""The workshop scenario, a locustfile: a city programme's workshop day.

Respondents log in, open their round's overview, go to the area it suggests and answer its
questions one at a time, reading each question's rubric for a while (``think`` seconds, 5-20 by
default) before choosing a level, which the page autosaves; after an area's last question they
open the next area. Coordinators log in and open the round's dashboard every
``dashboard_every`` seconds (5-15). Every simulated user has an account of its own.

Run by ``bench/load.py``, which prepares the data and the servers and writes the JSON file given
as ``--workshop-config``:
``{"password", "round", "respondents": [e-mail, ...], "coordinators": [e-mail, ...],
"think": [low, high], "dashboard_every": [low, high], "seconds", "record"}``.

Requests made before every user has tried to log in are named with " (ramp-up)"; from then on the
run is measured for ``seconds`` and then stops by itself. When the test stops (after the users'
last requests), ``record`` receives the start, the measured part's start and end
(``time.time()``), the failures and exceptions locust counted, and for each (e-mail, question) a
respondent saved, the last answer the server acknowledged with ``{"ok": true}`` and the answers
sent after it whose outcome is unknown (no reply, an error, or a request cut off by the stop).
"""

from __future__ import annotations

import json
import random
import time
from pathlib import Path

import gevent
from locust import FastHttpUser, between, events, task

from bench.pages import Page

RAMP_UP = " (ramp-up)"


class Workshop:
    """The run's shared state: the accounts handed out, the phase, and what was saved."""

    def __init__(self) -> None:
        self.config: dict = {}
        self.respondents: list[str] = []
        self.coordinators: list[str] = []
        self.login_attempts = 0  # users that have tried to log in once
        self.users = 0
        self.start = time.time()
        self.steady_start: float | None = None
        self.steady_end: float | None = None
        # (e-mail, question id) -> [last acknowledged answer or None, answers of unknown outcome]
        self.saves: dict[tuple[str, int], list] = {}

    def name(self, request: str) -> str:
        return request if self.steady_start is not None else request + RAMP_UP

    def sending(self, email: str, question: int, answer: object) -> None:
        self.saves.setdefault((email, question), [None, []])[1].append(answer)

    def acknowledged(self, email: str, question: int, answer: object) -> None:
        self.saves[(email, question)] = [answer, []]

    def write_record(self, environment) -> None:
        """The record (see the module's docstring), with the failures and exceptions locust
        counted: written when the test stops, after the users' last requests."""
        path = self.config.get("record")
        if not path:
            return
        errors = [
            [error.name, str(error.error), error.occurrences]
            for error in environment.stats.errors.values()
        ]
        exceptions = [[row["msg"], row["count"]] for row in environment.runner.exceptions.values()]
        rows = [
            [email, question, ack, unknown]
            for (email, question), (ack, unknown) in self.saves.items()
        ]
        Path(path).write_text(
            json.dumps(
                {
                    "start": self.start,
                    "steady_start": self.steady_start,
                    "steady_end": self.steady_end,
                    "saves": rows,
                    "errors": errors,
                    "exceptions": exceptions,
                }
            )
        )


workshop = Workshop()


@events.init_command_line_parser.add_listener
def add_arguments(parser) -> None:
    parser.add_argument("--workshop-config", default="", help="bench/load.py's run settings (JSON)")


@events.init.add_listener
def configure(environment, **_kwargs) -> None:
    path = environment.parsed_options.workshop_config if environment.parsed_options else ""
    if not path:
        raise SystemExit("bench/workshop.py needs --workshop-config FILE (bench/load.py writes it)")
    workshop.config = json.loads(Path(path).read_text())
    workshop.respondents = list(reversed(workshop.config["respondents"]))
    workshop.coordinators = list(reversed(workshop.config["coordinators"]))
    Coordinator.fixed_count = len(workshop.coordinators)
    Respondent.wait_time = between(*workshop.config["think"])
    Coordinator.wait_time = between(*workshop.config["dashboard_every"])


@events.test_start.add_listener
def start_clock(environment, **_kwargs) -> None:
    workshop.users = len(workshop.respondents) + len(workshop.coordinators)
    workshop.start = time.time()

    def measure() -> None:
        while workshop.login_attempts < workshop.users:
            gevent.sleep(0.2)
        workshop.steady_start = time.time()
        gevent.sleep(workshop.config["seconds"])
        workshop.steady_end = time.time()
        environment.runner.quit()

    gevent.spawn(measure)


@events.test_stop.add_listener
def save_record(environment, **_kwargs) -> None:
    if workshop.steady_start is not None and workshop.steady_end is None:
        workshop.steady_end = time.time()  # stopped early (the run's time limit)
    workshop.write_record(environment)


class Visitor(FastHttpUser):
    """A person with an account: logs in as a browser does (the login form's CSRF token)."""

    abstract = True
    network_timeout = 30.0
    connection_timeout = 10.0

    def on_start(self) -> None:
        self.email = self.account()
        self.random = random.Random(self.email)
        try:
            self.logged_in = self.login()
        finally:
            workshop.login_attempts += 1
        if self.logged_in:
            self.arrive()
        self.wait()

    def account(self) -> str:
        raise NotImplementedError

    def arrive(self) -> None:
        """After logging in: find the pages this person will use."""

    def get_page(self, path: str, name: str, needs_token: bool = False) -> Page | None:
        """The page, parsed; None (and a failure in the statistics) when it is not a 200 or
        lacks the CSRF token that ``needs_token`` asks for."""
        with self.client.get(path, name=workshop.name(name), catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
                return None
            page = Page(response.text)
            if needs_token and not (page.csrf_meta or page.csrf_field):
                response.failure("no CSRF token in the page")
                return None
            return page

    def login(self) -> bool:
        page = self.get_page("/login", "login page", needs_token=True)
        if page is None or not page.csrf_field:
            return False
        fields = {
            "email": self.email,
            "password": workshop.config["password"],
            "csrf_token": page.csrf_field,
        }
        with self.client.post(
            "/login",
            data=fields,
            name=workshop.name("login"),
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"not logged in: HTTP {response.status_code}")
                return False
            response.success()
            return True


class Respondent(Visitor):
    wait_time = between(5, 20)  # reading a question's rubric before answering it

    def account(self) -> str:
        return workshop.respondents.pop()

    def arrive(self) -> None:
        self.round_path: str | None = None
        self.areas: list[str] = []
        self.token = ""
        self.autosave_url = ""
        self.todo: list[tuple[int, list[str]]] = []
        self.comments: dict[int, str] = {}
        index = self.get_page("/survey/", "survey")
        rounds = index.hrefs("/survey/", "primary") if index else []
        if not rounds:
            return
        self.round_path = rounds[0]  # "/survey/<round id>/", the round open for answers
        overview = self.get_page(self.round_path, "round overview")
        if overview is None:
            return
        areas = overview.hrefs(self.round_path + "areas/")
        resume = overview.hrefs(self.round_path + "areas/", "primary")
        if not areas:
            return
        start = areas.index(resume[0]) if resume and resume[0] in areas else 0
        self.areas = areas[start:] + areas[:start]  # where the page suggests, then in turn
        self.open_next_area()

    def open_next_area(self) -> None:
        area = self.areas.pop(0)
        self.areas.append(area)
        page = self.get_page(area, "area page", needs_token=True)
        # autosave.js takes the token from the meta tag, the address from the form
        if page is None or not page.csrf_meta or not page.autosave_url:
            self.todo = []
            return
        self.token, self.autosave_url = page.csrf_meta, page.autosave_url
        self.todo = [(question, values) for question, values in page.questions.items() if values]
        self.comments = page.comments

    @task
    def answer(self) -> None:
        if workshop.steady_end is not None:
            return  # the run is stopping: a request now might be cut off by it
        if not self.logged_in:
            self.logged_in = self.login()
            if self.logged_in:
                self.arrive()
            return
        if not self.areas:
            self.arrive()
            return
        if not self.todo:
            self.open_next_area()
            return
        question, values = self.todo.pop(0)
        self.save(question, self.random.choice(values))
        if not self.todo:
            self.open_next_area()

    def save(self, question: int, value: str) -> None:
        answer: object = int(value) if value.isdigit() else value
        workshop.sending(self.email, question, answer)
        with self.client.post(
            self.autosave_url,
            json={
                "question": question,
                "answer": value,
                "comment": self.comments.get(question, ""),
            },
            headers={"X-CSRFToken": self.token},
            name=workshop.name("autosave"),
            catch_response=True,
        ) as response:
            try:
                data = response.json()
            except ValueError:
                data = None
            if response.status_code != 200 or not isinstance(data, dict) or not data.get("ok"):
                detail = data.get("code") if isinstance(data, dict) else ""
                response.failure(f"HTTP {response.status_code} {detail}".strip())
            elif data.get("answer") != answer:
                response.failure(f"acknowledged {data.get('answer')!r} for {answer!r}")
            else:
                workshop.acknowledged(self.email, question, answer)


class Coordinator(Visitor):
    fixed_count = 20
    wait_time = between(5, 15)  # reading the dashboard before opening it again

    def account(self) -> str:
        return workshop.coordinators.pop()

    def arrive(self) -> None:
        rounds = self.get_page("/compare/", "rounds")
        self.dashboard_path = (
            rounds.href_named("/compare/rounds/", workshop.config["round"]) if rounds else None
        )

    @task
    def dashboard(self) -> None:
        if workshop.steady_end is not None:
            return  # the run is stopping
        if not self.logged_in:
            self.logged_in = self.login()
            if self.logged_in:
                self.arrive()
            return
        if self.dashboard_path is None:
            self.arrive()
            return
        self.get_page(self.dashboard_path, "dashboard")
