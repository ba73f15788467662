"""Reading a city's plan: its targets with their gap and status (rule 10), and its actions.

The figures targets are measured by, and the order of rounds, come from ``figures``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from .. import scoring
from ..columns import utcnow
from ..extensions import db
from ..models import Action, City, Round, Target, TargetKind
from ..rounds import round_order_key, rounds_in_order
from .figures import (
    ALL_KINDS,
    TargetKey,
    later_rounds,
    round_figures,
    target_keys,
)


def today() -> date:
    """The day due dates are compared with: today in UTC."""
    return utcnow().date()


# targets ------------------------------------------------------------------------------------------
class RoundFigure(NamedTuple):  # a tuple: the plans overview measures 5,000 targets at once
    round: Round
    value: float | None


@dataclass(frozen=True)
class TargetState:
    """A target with what rule 10 makes of it."""

    target: Target
    spec: TargetKey | None  # None when the key is no longer in the baseline's questionnaire
    figure: float  # the target as a figure (a question's level as its score)
    baseline: RoundFigure  # its value None when the city has no figure in the baseline round
    latest: RoundFigure | None
    gap: float | None
    status: scoring.TargetStatus


KIND_ORDER = {TargetKind.AREA: 0, TargetKind.QUESTION: 1, TargetKind.INDICATOR: 2}


def target_states(
    city_ids: Collection[int] | None = None,
    on: date | None = None,
    memo: dict | None = None,
) -> dict[int, list[TargetState]]:
    """Each city's targets (city id -> targets, all cities' or ``city_ids``') with baseline,
    latest, gap and status; the number of queries grows with the rounds, not with the cities
    or targets."""
    on = on or today()
    query = select(Target).options(joinedload(Target.baseline_round))
    if city_ids is not None:
        query = query.where(Target.city_id.in_(city_ids))
    targets = db.session.scalars(query).all()
    if not targets:
        return {}
    measure = _Measure({t.baseline_round for t in targets}, {t.city_id for t in targets}, memo)
    found: dict[int, list[TargetState]] = defaultdict(list)
    for target in targets:
        spec, figure, baseline, latest, gap, status = measure(target, target.baseline_round, on)
        found[target.city_id].append(
            TargetState(target, spec, figure, baseline, latest, gap, status)
        )
    for states in found.values():
        states.sort(
            key=lambda s: (
                round_order_key(s.target.baseline_round),
                KIND_ORDER[s.target.kind],
                s.target.key,
            )
        )
    return found


def target_statuses(baseline: Round, on: date | None = None) -> dict[int, list[str]]:
    """The status (rule 10) of each target set on ``baseline``, per city (city id -> statuses):
    what the plans overview counts, read as plain rows, its later rounds' scores mostly as
    stored (``stored_scores``)."""
    on = on or today()
    rows = db.session.connection().execute(
        select(
            Target.city_id, Target.kind, Target.key, Target.value, Target.due_on
        ).where(Target.baseline_round_id == baseline.id)
    ).all()  # fmt: skip
    if not rows:
        return {}
    measure = _Measure(
        {baseline},
        {row.city_id for row in rows},
        baselines_scored=False,
        kinds=frozenset(row.kind for row in rows),
    )
    found: dict[int, list[str]] = defaultdict(list)
    baseline_id = baseline.id
    for row in rows:
        found[row.city_id].append(measure.status(row, baseline_id, on))
    return found


class _Measure:
    """Rule 10 for targets set on ``baselines``, from the figures of the cities in the rounds
    that count: read once, then measured one target at a time. Without ``baselines_scored`` a
    baseline's own figures are not read: a status needs only the later rounds'."""

    def __init__(
        self,
        baselines: Collection[Round],
        city_ids: Collection[int],
        memo: dict | None = None,
        baselines_scored: bool = True,
        kinds: frozenset[TargetKind] = ALL_KINDS,
    ) -> None:
        rounds = db.session.scalars(
            select(Round).options(joinedload(Round.questionnaire))
        ).unique().all()  # fmt: skip
        self.keys_of = {b.id: target_keys(b.questionnaire) for b in baselines}
        # each later round with its id: read once, not once per target
        self.later = {b.id: [(r, r.id) for r in later_rounds(b, rounds)] for b in baselines}
        wanted = {r for b in baselines for r, _id in self.later[b.id]}
        if baselines_scored:
            wanted |= set(baselines)
        self.figures = round_figures(rounds_in_order(wanted), city_ids, memo, kinds)

    def __call__(self, target, baseline_round: Round, on: date):
        """(spec, figure, baseline, latest, gap, status) of a target (a ``Target`` or a row
        with its city_id, kind, key, value and due_on) set on ``baseline_round``."""
        index, baseline_id = (target.kind, target.key), baseline_round.id
        spec, figure = self._figure(target, index, baseline_id)
        value = self.figures.get((baseline_id, target.city_id), {}).get(index)
        baseline = RoundFigure(baseline_round, value)
        latest = self._latest(index, target.city_id, baseline_id)
        gap, status = scoring.target_progress(
            figure,
            baseline.value,
            latest.value if latest else None,
            target.due_on,
            on,
            spec.direction if spec is not None else scoring.HIGHER,
        )
        return spec, figure, baseline, latest, gap, status

    def status(self, target, baseline_id: int, on: date) -> str:
        """The status alone, which needs no baseline figure (the plans overview's 5,000)."""
        index = (target.kind, target.key)
        spec, figure = self._figure(target, index, baseline_id)
        latest = self._latest(index, target.city_id, baseline_id)
        return scoring.target_progress(
            figure,
            None,
            latest.value if latest else None,
            target.due_on,
            on,
            spec.direction if spec is not None else scoring.HIGHER,
        ).status

    def _figure(self, target, index, baseline_id: int) -> tuple[TargetKey | None, float]:
        spec = self.keys_of[baseline_id].get(index)
        return spec, spec.target_figure(target.value) if spec is not None else target.value

    def _latest(self, index, city_id: int, baseline_id: int) -> RoundFigure | None:
        """The figure of the most recent later round in which the city has one."""
        for round_, round_id in self.later[baseline_id]:
            value = self.figures.get((round_id, city_id), {}).get(index)
            if value is not None:
                return RoundFigure(round_, value)
        return None


# actions ------------------------------------------------------------------------------------------
def owner_label(action: Action) -> str | None:
    """Who owns an action, as shown: a member's name (or e-mail), or the outside person's name."""
    if action.owner is not None:
        return action.owner.name or action.owner.email
    return action.owner_name


def city_actions(city_ids: Collection[int] | None = None) -> dict[int, list[Action]]:
    """Each city's actions (city id -> actions), by due date (none last), then title."""
    query = select(Action).options(joinedload(Action.owner))
    if city_ids is not None:
        query = query.where(Action.city_id.in_(city_ids))
    found: dict[int, list[Action]] = defaultdict(list)
    for action in db.session.scalars(query):
        found[action.city_id].append(action)
    for actions in found.values():
        actions.sort(key=lambda a: (a.due_on is None, a.due_on or date.min, a.title, a.id))
    return found


# the JSON of ``dmat plan`` ------------------------------------------------------------------------
def plan_json(city_ids: Collection[int] | None = None, on: date | None = None) -> list[dict]:
    """DESIGN.md's plan objects, one per city (all of them, or ``city_ids``), by city name."""
    from ..indicators.queries import plan_indicators

    on = on or today()
    query = select(City).order_by(City.name)
    if city_ids is not None:
        query = query.where(City.id.in_(city_ids))
    cities = db.session.scalars(query).all()
    ids = [city.id for city in cities]
    states = target_states(ids, on)
    actions = city_actions(ids)
    return [
        {
            "city": city.name,
            "targets": [target_json(state) for state in states.get(city.id, [])],
            "actions": [action_json(action, on) for action in actions.get(city.id, [])],
            "indicators": plan_indicators(city),
        }
        for city in cities
    ]


def _figure_json(figure: RoundFigure | None) -> dict | None:
    return None if figure is None else {"round": figure.round.name, "value": figure.value}


def target_json(state: TargetState) -> dict:
    target = state.target
    found = {
        "key": target.key,
        "kind": target.kind.value,
        "target": state.figure,
        "due": target.due_on.isoformat(),
        "baseline": {"round": state.baseline.round.name, "value": state.baseline.value},
        "latest": _figure_json(state.latest),
        "gap": state.gap,
        "status": state.status,
    }
    if target.kind == TargetKind.QUESTION:
        found["level"] = int(target.value)
    return found


def action_json(action: Action, on: date) -> dict:
    return {
        "title": action.title,
        "areas": list(action.areas),
        "questions": list(action.questions),
        "owner": owner_label(action),
        "start": action.starts_on.isoformat() if action.starts_on else None,
        "due": action.due_on.isoformat() if action.due_on else None,
        "status": action.status.value,
        "overdue": action.is_overdue(on),
        "progress_note": action.progress_note,
    }


# what the pages show -----------------------------------------------------------------------------
def city_rounds(city_id: int) -> list[Round]:
    """The rounds in which the city has submitted its assessment, first opened first."""
    from ..models import Assessment, AssessmentStatus

    rounds = db.session.scalars(
        select(Round)
        .join(Assessment, Assessment.round_id == Round.id)
        .where(Assessment.city_id == city_id, Assessment.status == AssessmentStatus.SUBMITTED)
    ).all()
    return rounds_in_order(rounds)


def movements(
    city_id: int, rounds: list[Round], memo: dict | None = None
) -> dict[tuple[TargetKind, str], list[RoundFigure]]:
    """How each area and question moved over ``rounds``: (kind, key) -> its figure per round
    where it has one, in round order (questions matched by key, rule 8)."""
    figures = round_figures(rounds, [city_id], memo)
    found: dict[tuple[TargetKind, str], list[RoundFigure]] = defaultdict(list)
    for round_ in rounds:
        for index, value in figures.get((round_.id, city_id), {}).items():
            found[index].append(RoundFigure(round_, value))
    return found


def aimed_targets(
    states: list[TargetState], round_: Round, kind: TargetKind = TargetKind.AREA
) -> list[TargetState]:
    """The targets of ``kind`` a round is measured against: those set on this round, or, when
    none is, those of the latest earlier baseline (what the city was aiming for)."""
    of_kind = [s for s in states if s.target.kind == kind]
    here = [s for s in of_kind if s.target.baseline_round_id == round_.id]
    if not here:
        opened = round_order_key(round_)
        earlier = [
            s for s in of_kind
            if round_order_key(s.target.baseline_round) < opened
            and s.target.baseline_round.questionnaire.key == round_.questionnaire.key
        ]  # fmt: skip
        if earlier:
            latest = max(round_order_key(s.target.baseline_round) for s in earlier)
            here = [s for s in earlier if s.target.baseline_round_id == latest[1]]
    return here


def radar_targets(states: list[TargetState], round_: Round) -> dict[str, float]:
    """The radar's "Target" series for a round: the area targets set on this round, or, when
    none is, those of the latest earlier baseline (what the city was aiming for)."""
    return {s.target.key: s.figure for s in aimed_targets(states, round_)}
