"""The OpenAPI 3 description of ``/api/v1``; the tests check every answer against it."""

from __future__ import annotations

from functools import cache

NUMBER_OR_NULL = {"type": "number", "nullable": True}
ID = {"type": "integer", "minimum": 1, "maximum": 2147483647}
STATUS = {
    "name": "status",
    "in": "query",
    "required": False,
    "description": "Which cities are listed, by the status of their assessment (default: all).",
    "schema": {"type": "string", "enum": ["all", "submitted", "in_progress"], "default": "all"},
}
COHORT_STATUS = {
    "name": "status",
    "in": "query",
    "required": False,
    "description": "The cohort is always the round's submitted cities; only 'submitted' is taken.",
    "schema": {"type": "string", "enum": ["submitted"], "default": "submitted"},
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _path_id(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    text = {
        400: "A query parameter is wrong",
        401: "Not logged in, or the bearer token is unknown or revoked",
        403: "Logged in, but neither a coordinator nor an admin",
        404: "No such round or city",
    }
    return {str(code): _json(_ref("Error"), text[code]) for code in codes}


def _get(summary: str, schema: dict, parameters=(), errors=(401, 403)) -> dict:
    return {
        "get": {
            "summary": summary,
            "parameters": list(parameters),
            "responses": {"200": _json(schema, "OK"), **_errors(*errors)},
        }
    }


STATISTICS = {
    "type": "object",
    "description": "Rule 7 over the cities whose figure exists; all null when none has one.",
    "required": ["n", "min", "q1", "median", "q3", "max"],
    "additionalProperties": False,
    "properties": {
        "n": {"type": "integer", "minimum": 0},
        **{k: NUMBER_OR_NULL for k in ("min", "q1", "median", "q3", "max")},
    },
}
SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["status", "message"],
                "additionalProperties": False,
                "properties": {"status": {"type": "integer"}, "message": {"type": "string"}},
            }
        },
    },
    "Round": {
        "type": "object",
        "required": [
            "id",
            "name",
            "status",
            "questionnaire",
            "created_at",
            "assessments",
            "submitted",
            "opens_on",
            "closes_on",
        ],
        "additionalProperties": False,
        "properties": {
            "id": ID,
            "name": {"type": "string"},
            "status": {
                "type": "string",
                "enum": ["planned", "open", "closed"],
                "description": "derived from the dates and the manual close (UTC days)",
            },
            "opens_on": {"type": "string", "format": "date", "nullable": True},
            "closes_on": {"type": "string", "format": "date", "nullable": True},
            "questionnaire": {
                "type": "object",
                "required": ["key", "version"],
                "additionalProperties": False,
                "properties": {"key": {"type": "string"}, "version": {"type": "integer"}},
            },
            "created_at": {"type": "string", "format": "date-time"},
            "assessments": {"type": "integer", "minimum": 0},
            "submitted": {"type": "integer", "minimum": 0},
        },
    },
    "City": {
        "type": "object",
        "required": ["id", "name", "country", "active"],
        "additionalProperties": False,
        "properties": {
            "id": ID,
            "name": {"type": "string"},
            "country": {"type": "string", "minLength": 2, "maxLength": 2},
            "active": {"type": "boolean"},
        },
    },
    "AreaScore": {
        "type": "object",
        "required": ["score", "stage", "completeness", "agreement", "agreed"],
        "additionalProperties": False,
        "properties": {
            "score": {**NUMBER_OR_NULL, "minimum": 0, "maximum": 100},
            "stage": {"type": "integer", "minimum": 1, "maximum": 5, "nullable": True},
            "completeness": {"type": "number", "minimum": 0, "maximum": 1},
            "agreement": {**NUMBER_OR_NULL, "minimum": 0},
            "agreed": {
                "type": "integer",
                "minimum": 0,
                "description": "Questions of the area with an agreed answer (rule 9).",
            },
        },
    },
    "CityScores": {
        "type": "object",
        "description": "The scores of one city in one round (DESIGN.md); numbers unrounded.",
        "required": ["city", "round", "respondents", "overall", "stage", "areas"],
        "additionalProperties": False,
        "properties": {
            "city": {"type": "string"},
            "round": {"type": "string"},
            "respondents": {"type": "integer", "minimum": 0},
            "overall": {**NUMBER_OR_NULL, "minimum": 0, "maximum": 100},
            "stage": {"type": "integer", "minimum": 1, "maximum": 5, "nullable": True},
            "areas": {"type": "object", "additionalProperties": _ref("AreaScore")},
        },
    },
    "CohortStatistics": STATISTICS,
    "Cohort": {
        "type": "object",
        "required": ["round", "status", "statistics"],
        "additionalProperties": False,
        "properties": {
            "round": {"type": "string"},
            "status": {"type": "string", "enum": ["submitted"]},
            "statistics": {
                "type": "object",
                "description": "Per area key, and 'overall'.",
                "required": ["overall"],
                "additionalProperties": _ref("CohortStatistics"),
            },
        },
    },
    "QuestionCohort": {
        "type": "object",
        "required": ["question", "area", "statistics"],
        "additionalProperties": False,
        "properties": {
            "question": {"type": "string"},
            "area": {"type": "string"},
            "statistics": _ref("CohortStatistics"),
        },
    },
    "Progress": {
        "type": "object",
        "description": "Rule 8: later minus earlier, null where a figure is missing in a round.",
        "required": ["city", "from", "to", "overall", "areas", "questions"],
        "additionalProperties": False,
        "properties": {
            "city": {"type": "string"},
            "from": {"type": "string"},
            "to": {"type": "string"},
            "overall": NUMBER_OR_NULL,
            "areas": {"type": "object", "additionalProperties": NUMBER_OR_NULL},
            "questions": {"type": "object", "additionalProperties": NUMBER_OR_NULL},
        },
    },
    "IndicatorValue": {
        "type": "object",
        "required": ["city", "indicator", "value", "source", "as_of"],
        "additionalProperties": False,
        "properties": {
            "city": {"type": "string"},
            "indicator": {"type": "string"},
            "value": {"type": "number"},
            "source": {"type": "string", "nullable": True},
            "as_of": {"type": "string", "format": "date", "nullable": True},
        },
    },
    "RoundIndicators": {
        "type": "object",
        "description": "Every stored indicator value of the round, and per indicator key rule "
        "11's cohort statistics over the submitted cities with a value.",
        "required": ["round", "values", "cohort"],
        "additionalProperties": False,
        "properties": {
            "round": {"type": "string"},
            "values": {"type": "array", "items": _ref("IndicatorValue")},
            "cohort": {"type": "object", "additionalProperties": _ref("CohortStatistics")},
        },
    },
    "CityIndicator": {
        "type": "object",
        "description": "Rule 11: the most recent round's value, the one before it, the change.",
        "required": ["key", "round", "value", "previous", "change", "trend", "source"],
        "additionalProperties": False,
        "properties": {
            "key": {"type": "string"},
            "round": {"type": "string"},
            "value": {"type": "number"},
            "previous": {
                "type": "object",
                "nullable": True,
                "required": ["round", "value"],
                "additionalProperties": False,
                "properties": {"round": {"type": "string"}, "value": {"type": "number"}},
            },
            "change": NUMBER_OR_NULL,
            "trend": {
                "type": "string",
                "nullable": True,
                "enum": ["improved", "worsened", "unchanged", None],
            },
            "source": {"type": "string", "nullable": True},
        },
    },
}

COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
SCHEMAS["CityPlan"] = {  # the plans overview (assessment/plan/overview.py)
    "type": "object",
    "description": "Targets set on the round (rule 10 status) and the city's actions, counted.",
    "required": ["city", "country", "submitted", "targets", "actions", "last_update"],
    "additionalProperties": False,
    "properties": {
        "city": {"type": "string"},
        "country": {"type": "string"},
        "submitted": {"type": "boolean"},
        "targets": {**COUNTS, "required": ["met", "open", "missed"]},
        "actions": {
            **COUNTS,
            "required": ["total", "planned", "in_progress", "done", "dropped", "overdue"],
        },
        "last_update": {"type": "string", "format": "date-time", "nullable": True},
    },
}


def _list(name: str) -> dict:
    return {"type": "array", "items": _ref(name)}


@cache
def openapi_document() -> dict:
    round_id = _path_id("round_id")
    with_round = (401, 403, 404)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "dmat API",
            "version": "1",
            "description": (
                "Read-only figures of the digital maturity programme, for coordinators and "
                "admins. Send 'Authorization: Bearer TOKEN' (tokens are made on the API tokens "
                "page or with 'dmat token create'), or use a logged-in browser session."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}, {"sessionCookie": []}],
        "paths": {
            "/rounds": _get("Every assessment round", _list("Round")),
            "/rounds/{round_id}": _get("One round", _ref("Round"), [round_id], with_round),
            "/rounds/{round_id}/scores": _get(
                "The scores of every city in the round, sorted by city name",
                _list("CityScores"),
                [round_id, STATUS],
                (400, *with_round),
            ),
            "/rounds/{round_id}/cohort": _get(
                "Cohort statistics (rule 7) over the submitted cities, per area and overall",
                _ref("Cohort"),
                [round_id, COHORT_STATUS],
                (400, *with_round),
            ),
            "/rounds/{round_id}/questions": _get(
                "Cohort statistics (over the submitted cities) of every question's city scores, "
                "in questionnaire order",
                _list("QuestionCohort"),
                [round_id, COHORT_STATUS],
                (400, *with_round),
            ),
            "/rounds/{round_id}/plans": _get(
                "Each city's plan: targets set on the round met, open and missed (rule 10), "
                "actions by status and overdue, the last change; sorted by city name",
                _list("CityPlan"),
                [round_id],
                with_round,
            ),
            "/progress": _get(
                "Progress (rule 8) of every city assessed in both rounds",
                _list("Progress"),
                [
                    {"name": name, "in": "query", "required": True, "schema": ID}
                    for name in ("from", "to")
                ],
                (400, 401, 403, 404),
            ),
            "/rounds/{round_id}/indicators": _get(
                "Every success indicator value of the round, with cohort statistics (rule 11)",
                _ref("RoundIndicators"),
                [round_id],
                with_round,
            ),
            "/cities": _get("Every city of the programme", _list("City")),
            "/cities/{city_id}/indicators": _get(
                "The city's success indicators: latest value, previous, change (rule 11)",
                _list("CityIndicator"),
                [_path_id("city_id")],
                (401, 403, 404),
            ),
            "/cities/{city_id}": _get(
                "One city", _ref("City"), [_path_id("city_id")], (401, 403, 404)
            ),
        },
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
    }
