"""A small HTTP client that behaves like a browser user of dmat (cookies, CSRF tokens, autosave)."""

from __future__ import annotations

import http.client
import json
import random
import re
import threading
import time
import urllib.parse
from collections import Counter, defaultdict

CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
AREA_LINK = re.compile(r"/survey/(\d+)/areas/([a-z0-9_]+)")
CHOICE = re.compile(r'name="answer-(\d+)"[^>]*value="([^"]+)"')
PASSWORD = "dmat-demo-2022"


class Tally:
    """Latencies and errors per kind of request, shared by all client threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latencies: dict[str, list[float]] = defaultdict(list)
        self.errors: Counter[str] = Counter()
        self.error_messages: Counter[str] = Counter()
        self.acknowledged: dict[tuple[str, int], object] = {}

    def add(self, kind: str, seconds: float, error: str | None = None) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if error:
                self.errors[kind] += 1
                self.error_messages[f"{kind}: {error[:120]}"] += 1


class Deadline:
    """When a run ends; it may be set only once every client is ready."""

    def __init__(self, at: float = float("inf")) -> None:
        self.at = at

    def reached(self) -> bool:
        return time.monotonic() >= self.at


class Session:
    def __init__(self, base: str, tally: Tally) -> None:
        parsed = urllib.parse.urlsplit(base)
        self.connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
        self.cookies: dict[str, str] = {}
        self.tally = tally

    def request(
        self,
        method: str,
        path: str,
        kind: str,
        body: bytes | None = None,
        headers: dict | None = None,
        expect=(200, 302),
        missing_ok=False,
    ):
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            self.tally.add(kind, time.perf_counter() - started, f"{type(error).__name__}")
            return None, b""
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        ok = response.status in expect or (missing_ok and response.status == 404)
        self.tally.add(kind, elapsed, None if ok else f"HTTP {response.status} {data[:80]!r}")
        return response.status, data

    def get(self, path: str, kind: str, missing_ok: bool = False):
        return self.request("GET", path, kind, missing_ok=missing_ok)

    def post_form(self, path: str, fields: dict, kind: str):
        body = urllib.parse.urlencode(fields).encode()
        return self.request(
            "POST", path, kind, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )

    def login(self, email: str) -> bool:
        status, page = self.get("/login", "login page")
        match = CSRF_INPUT.search(page.decode()) if page else None
        if not match:
            return False
        status, _ = self.post_form(
            "/login", {"email": email, "password": PASSWORD, "csrf_token": match.group(1)}, "login"
        )
        return status == 302


class Respondent:
    """Logs in, opens area pages in turn and autosaves an answer to each question."""

    def __init__(self, session: Session, email: str) -> None:
        self.session = session
        self.email = email
        self.random = random.Random(email)

    def areas(self) -> list[tuple[str, str]]:
        """(round id, area key) of every area page the user can answer."""
        _, page = self.session.get("/survey/", "survey")
        areas = sorted(set(AREA_LINK.findall(page.decode()))) if page else []
        if not areas:
            round_ids = re.findall(r"/survey/(\d+)/", page.decode()) if page else []
            if round_ids:
                _, overview = self.session.get(f"/survey/{round_ids[0]}/", "survey")
                areas = sorted(set(AREA_LINK.findall(overview.decode())))
        return areas

    def open_area(self, round_id: str, area: str):
        """The page's CSRF token and the choices of each of its questions, or None."""
        status, page = self.session.get(f"/survey/{round_id}/areas/{area}", "area page")
        if status != 200:
            return None
        text = page.decode()
        token = CSRF_META.search(text)
        choices: dict[int, list[str]] = defaultdict(list)
        for question, value in CHOICE.findall(text):
            choices[int(question)].append(value)
        return (token.group(1) if token else ""), choices

    def run_until(self, stop: Deadline, think: tuple[float, float], start=None) -> None:
        """Log in, wait for ``start`` (when given), then open area pages in turn and answer
        each of their questions, thinking a while before each answer, until ``stop``."""
        if not self.session.login(self.email):
            return
        if start is not None:
            start.wait()
        areas = self.areas()
        while areas and not stop.reached():
            round_id, area = self.random.choice(areas)
            opened = self.open_area(round_id, area)
            if opened is None:
                continue
            token, choices = opened
            for question, values in choices.items():
                if stop.reached():
                    break
                self.save(round_id, question, self.random.choice(values), token)
                time.sleep(self.random.uniform(*think))

    def save_only(self, stop: Deadline, start) -> None:
        """Saturation: open one area page, wait for ``start``, then save answers to its
        questions back to back until ``stop``; only the autosave route is exercised."""
        if not self.session.login(self.email):
            return
        areas = self.areas()
        round_id, area = self.random.choice(areas) if areas else ("", "")
        opened = self.open_area(round_id, area) if areas else None
        start.wait()
        if opened is None:
            return
        token, choices = opened
        questions = sorted(choices)
        turn = 0
        while not stop.reached():
            question = questions[turn % len(questions)]
            self.save(round_id, question, self.random.choice(choices[question]), token)
            turn += 1

    def save(self, round_id: str, question: int, value: str, token: str) -> None:
        body = json.dumps({"question": question, "answer": value}).encode()
        status, _ = self.session.request(
            "POST",
            f"/survey/{round_id}/answer",
            "autosave",
            body,
            {"Content-Type": "application/json", "X-CSRFToken": token},
            expect=(200,),
        )
        if status == 200:
            stored = int(value) if value.isdigit() else value
            with self.session.tally.lock:
                self.session.tally.acknowledged[(self.email, question)] = stored
