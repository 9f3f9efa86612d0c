"""Every string a learner sees, in English and Chinese, and the one number formatter.

A `T` is one bilingual value; scenes, parameters, plots and the host all speak in `T`s and
the language is chosen only where text meets the screen (`T.get`, `tr`). Plain `str` is kept
for what needs no translation: numbers, formulas, identifiers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Union

LANGS = ("en", "zh")


@dataclass(frozen=True)
class T:
    """One piece of interface text in both languages."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def format(self, **fields: Any) -> "T":
        """Fill `{name}` fields in both languages; `T` fields are filled language by language."""
        return T(self.en.format(**{k: tr(v, "en") for k, v in fields.items()}),
                 self.zh.format(**{k: tr(v, "zh") for k, v in fields.items()}))

    def __add__(self, other: "Text") -> "T":
        return T(self.en + tr(other, "en"), self.zh + tr(other, "zh"))

    def __radd__(self, other: "Text") -> "T":
        return T(tr(other, "en") + self.en, tr(other, "zh") + self.zh)

    def __str__(self) -> str:
        return self.en


Text = Union[T, str]


def tr(text: Any, lang: str) -> str:
    """`text` in `lang`: a `T` picks its language, anything else is shown as it is."""
    return text.get(lang) if isinstance(text, T) else str(text)


NON_FINITE = {
    "nan": T("undefined", "无定义"),
    "inf": T("∞", "∞"),
    "-inf": T("−∞", "−∞"),
}


def fmt(value: Any, spec: str = ".4g", lang: str = "en") -> str:
    """A number as text, with one spelling of NaN and ±∞ per language."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return tr(value, lang)
    if math.isnan(x):
        return NON_FINITE["nan"].get(lang)
    if math.isinf(x):
        return NON_FINITE["inf" if x > 0 else "-inf"].get(lang)
    return format(x, spec)


def fmt_t(value: Any, spec: str = ".4g") -> T:
    """`fmt` in both languages at once, for values that end up inside a `T`."""
    return T(fmt(value, spec, "en"), fmt(value, spec, "zh"))


def localize(obj: Any, lang: str) -> Any:
    """A copy of a plain-data description (a figure) with every `T` inside resolved to `lang`.

    The renderer then deals only in `str`, so it needs no knowledge of languages.
    """
    import dataclasses

    if isinstance(obj, T):
        return obj.get(lang)
    if isinstance(obj, list):
        return [localize(item, lang) for item in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: localize(getattr(obj, f.name), lang) for f in dataclasses.fields(obj)
                   if isinstance(getattr(obj, f.name), (T, list)) or
                   dataclasses.is_dataclass(getattr(obj, f.name))}
        return dataclasses.replace(obj, **changes) if changes else obj
    return obj


_PART_ZH = {"1": "一", "2": "二", "3": "三", "4": "四"}


def section_text(section: str, lang: str) -> str:
    """An article place, "Part 3 §4.3", as the learner's language writes it (第三部分 §4.3)."""
    if lang != "zh":
        return section
    import re

    return re.sub(r"Part (\d)", lambda m: f"第{_PART_ZH.get(m.group(1), m.group(1))}部分", section)
