"""Strict JSON (RFC 8259) for exports: no NaN or Infinity anywhere.

A non-finite number becomes null, and its path and original value are recorded under
`data.non_finite`, so a reader can tell a missing value from an overflow.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np


def _convert(value: Any, path: str, bad: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {str(k): _convert(v, f"{path}.{k}", bad) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_convert(v, f"{path}[{i}]", bad) for i, v in enumerate(value)]
    if isinstance(value, np.ndarray):
        return _convert(value.tolist(), path, bad)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if math.isfinite(value):
            return value
        bad[path.lstrip(".")] = "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
        return None
    if value is None or isinstance(value, str):
        return value
    return str(value)


def json_safe(document: dict[str, Any]) -> dict[str, Any]:
    bad: dict[str, str] = {}
    out = _convert(document, "", bad)
    if bad:
        out.setdefault("data", {})["non_finite"] = bad
    return out


def dumps(document: dict[str, Any]) -> str:
    return json.dumps(json_safe(document), ensure_ascii=False, allow_nan=False, indent=2)
