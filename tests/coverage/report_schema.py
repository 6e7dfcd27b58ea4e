"""Validation of run reports against docs/run-report.schema.json (JSON Schema 2020-12)."""
from __future__ import annotations

import json

import jsonschema

from .covmod import ROOT

SCHEMA = json.loads((ROOT / "docs" / "run-report.schema.json").read_text())
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


def assert_valid(document: dict) -> None:
    """Fail with every schema violation, each with the path to it."""
    errors = [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
              for e in VALIDATOR.iter_errors(document)]
    assert errors == []
