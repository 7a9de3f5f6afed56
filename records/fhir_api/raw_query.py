"""Filters on a resource as its source sent it (`SourceRecord.raw`), by SQL/JSON path."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import BooleanField, F, Func, Q, TextField, Value


class JsonPathExists(Func):
    """PostgreSQL's jsonb_path_exists(target, path, vars): values travel as variables, never
    inside the path, so a code holding quotes or path syntax is only ever a value."""

    function = "jsonb_path_exists"
    output_field = BooleanField()


def _cast(value: str, sql_type: str) -> Func:
    return Func(Value(value), template=f"(%(expressions)s)::{sql_type}", output_field=TextField())


def json_path(path: str, variables: dict[str, Any]) -> Q:
    """Rows whose raw resource has something at `path` (lax mode: arrays are walked)."""
    return Q(JsonPathExists(F("raw"), _cast(path, "jsonpath"), _cast(json.dumps(variables), "jsonb")))
