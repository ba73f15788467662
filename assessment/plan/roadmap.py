"""The plan as the reports print it: the city report's roadmap section and the cohort report's
shares of targets met and actions done. Plain data from ``queries``, one module for both."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..models import Action, ActionStatus, City, Round, TargetKind
from . import queries
from .figures import target_keys

#: the order in which the roadmap lists actions: what is under way first, what is over last
STATUS_ORDER = (
    ActionStatus.IN_PROGRESS,
    ActionStatus.PLANNED,
    ActionStatus.DONE,
    ActionStatus.DROPPED,
)


@dataclass(frozen=True)
class ActionGroup:
    status: ActionStatus
    actions: list[Action]


def roadmap(city: City, round_: Round) -> dict:
    """The city report's roadmap: every target of the city with its gap and status, the
    radar's target series, and the actions grouped by status."""
    states = queries.target_states([city.id]).get(city.id, [])
    actions = queries.city_actions([city.id]).get(city.id, [])
    groups = [
        ActionGroup(status, [a for a in actions if a.status == status]) for status in STATUS_ORDER
    ]
    from .forms import STATUS_LABELS

    keys = target_keys(round_.questionnaire)
    titles = {index: spec.title for index, spec in keys.items()}
    return {
        "plan_titles": titles,
        "plan_status_labels": STATUS_LABELS,
        "plan_targets": states,
        "plan_radar_targets": queries.radar_targets(states, round_),
        # the success indicators table: indicator key -> the target the round is measured by
        "plan_by_indicator": {
            s.target.key: s for s in queries.aimed_targets(states, round_, TargetKind.INDICATOR)
        },
        "plan_groups": [g for g in groups if g.actions],
        "plan_today": queries.today(),
        "plan_owner": queries.owner_label,
    }


@dataclass(frozen=True)
class PlanShares:
    targets: int
    met: int
    actions: int  # those not dropped
    done: int

    @property
    def met_share(self) -> float | None:
        return self.met / self.targets if self.targets else None

    @property
    def done_share(self) -> float | None:
        return self.done / self.actions if self.actions else None


def plan_shares(city_ids: Collection[int]) -> PlanShares:
    """The programme's share of targets met (rule 10, today) and of actions done (of those not
    dropped), over ``city_ids``."""
    states = queries.target_states(city_ids)
    actions = queries.city_actions(city_ids)
    every_state = [s for found in states.values() for s in found]
    every_action = [a for found in actions.values() for a in found]
    live = [a for a in every_action if a.status != ActionStatus.DROPPED]
    return PlanShares(
        targets=len(every_state),
        met=sum(s.status == "met" for s in every_state),
        actions=len(live),
        done=sum(a.status == ActionStatus.DONE for a in live),
    )
