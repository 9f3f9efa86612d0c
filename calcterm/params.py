"""Typed scene parameters.

Each parameter knows its default, what values it allows, how to parse what a user typed
(`parse`), how a key press nudges it (`nudge`) and how to describe itself in one line.
Every rejection is a `ParamError` whose message names what is allowed, so the CLI and the
TUI can show it as one line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from calcterm.text import T, Text, tr


class ParamError(ValueError):
    """A value a parameter does not accept; the message says what it does accept."""


MAX_TEXT = 500
"""The longest text a parameter accepts (an expression, a vector); longer is refused."""


def _fmt(value: float) -> str:
    return f"{value:g}"


def _quote(text: str, limit: int = 40) -> str:
    """`text` quoted for a message, cut to a short prefix so a huge input is not echoed."""
    return repr(text if len(text) <= limit else text[:limit] + "…")


def preset_named(presets: Mapping[Text, str], text: str) -> str | None:
    """The preset whose label, in either language, is `text` (None if there is none)."""
    for label, value in presets.items():
        if text in (tr(label, "en"), tr(label, "zh")):
            return value
    return None


def _constant(text: str) -> float | None:
    """The value of a constant expression (`pi/6`, `e^2`), or None if `text` is not one."""
    from calcterm.compute.expr import ExprError, parse

    if not text or len(text) > MAX_TEXT:
        return None
    try:
        value = float(parse(text, variables=()).evaluate())
    except (ExprError, TypeError, ValueError):
        return None
    return value


@dataclass(frozen=True)
class Param:
    name: str
    default: Any
    help: T = T("", "")

    editable = False
    """Whether the value is typed as text (the `e` key opens an editor for it)."""
    label_is_a_name = True
    """A label names the value (a choice, a preset) rather than rounding it (a number)."""

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def validate(self, value: Any) -> Any:
        """Check a Python value (not text); return it normalised."""
        return self.parse(str(value))

    def nudge(self, value: Any, direction: int, big: bool = False) -> Any:
        return value

    def allowed(self) -> str:
        raise NotImplementedError

    def format(self, value: Any) -> str:
        return str(value)

    def short(self) -> str:
        """A few characters saying what is allowed, for the TUI's parameter panel."""
        return ""

    def label(self, value: Any) -> Text:
        """What the user sees for `value` in the TUI (a choice's label, a preset's name)."""
        return self.format(value)

    def nearest(self, value: Any) -> Any:
        """The allowed value nearest `value` (a click lands between steps or off the range)."""
        return self.validate(value)

    def describe(self, lang: str = "en") -> str:
        """One line for `calcterm params`: the default exactly as `-s` accepts it."""
        shown = self.format(self.default)
        label = tr(self.label(self.default), lang)
        if label != shown and self.label_is_a_name:
            shown = f"{shown} ({label})"
        return f"{self.name}  default {shown}  {self.allowed()}  {self.help.get(lang)}"


@dataclass(frozen=True)
class Number(Param):
    """A real number in [lo, hi]; `log` makes key presses multiply instead of add."""

    lo: float = 0.0
    hi: float = 1.0
    step: float = 0.1
    log: bool = False

    def allowed(self) -> str:
        scale = ", log scale" if self.log else ""
        return f"range [{_fmt(self.lo)}, {_fmt(self.hi)}]{scale}"

    def parse(self, text: str) -> float:
        """A number, or a constant expression such as `pi/6` or `2*pi`."""
        text = str(text).strip()
        try:
            if not text.isascii():  # Python's float() would accept fullwidth and other digits
                raise ValueError(text)
            value = float(text)
        except ValueError:
            value = _constant(text)
            if value is None:
                raise ParamError(f"{self.name}: {_quote(text)} is not a number; expected a number "
                                 f"in [{_fmt(self.lo)}, {_fmt(self.hi)}]") from None
        return self.validate_float(value)

    def validate(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return self.parse(str(value))
        return self.validate_float(float(value))

    def validate_float(self, value: float) -> float:
        if not math.isfinite(value) or not (self.lo <= value <= self.hi):
            raise ParamError(f"{self.name}: {_fmt(value)} is out of range; expected a number in "
                             f"[{_fmt(self.lo)}, {_fmt(self.hi)}]")
        return value + 0.0  # turns -0.0 into 0.0

    def short(self) -> str:
        return f"[{_fmt(self.lo)}, {_fmt(self.hi)}]" + (" log" if self.log else "")

    def nearest(self, value: Any) -> float:
        value = min(self.hi, max(self.lo, float(value)))
        if self.log:
            return float(f"{value:.3g}")
        return min(self.hi, max(self.lo, float(f"{round(value / self.step) * self.step:.12g}")))

    def nudge(self, value: float, direction: int, big: bool = False) -> float:
        if self.log:
            factor = self.step ** (10 if big else 1)
            new = value * factor if direction > 0 else value / factor
        else:
            new = value + direction * self.step * (10 if big else 1)
            new = round(new / self.step) * self.step
        return min(self.hi, max(self.lo, float(f"{new:.12g}")))

    label_is_a_name = False

    def label(self, value: float) -> Text:
        """Rounded to the step, as the TUI shows it."""
        if self.log:
            return f"{value:.3g}"
        decimals = max(0, -math.floor(math.log10(self.step))) if self.step < 1 else 0
        return f"{value:.{decimals}f}"

    def format(self, value: float) -> str:
        """The shown text when it reads back exactly, else the shortest exact one (π: 3.14…)."""
        shown = self.label(value)
        return shown if float(shown) == value else repr(float(value))


@dataclass(frozen=True)
class Integer(Param):
    lo: int = 0
    hi: int = 10
    step: int = 1

    def allowed(self) -> str:
        return f"integer in [{self.lo}, {self.hi}]"

    def parse(self, text: str) -> int:
        text = str(text).strip()
        try:
            if not text.isascii():
                raise ValueError(text)
            value = int(text)
        except ValueError:
            raise ParamError(f"{self.name}: {_quote(text)} is not an integer; expected an integer in "
                             f"[{self.lo}, {self.hi}]") from None
        return self.validate(value)

    def validate(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            return self.parse(str(value))
        if not (self.lo <= value <= self.hi):
            raise ParamError(f"{self.name}: {value} is out of range; expected an integer in "
                             f"[{self.lo}, {self.hi}]")
        return value

    def short(self) -> str:
        return f"[{self.lo}, {self.hi}]"

    def nearest(self, value: Any) -> int:
        return min(self.hi, max(self.lo, int(round(float(value)))))

    def nudge(self, value: int, direction: int, big: bool = False) -> int:
        return min(self.hi, max(self.lo, value + direction * self.step * (10 if big else 1)))


@dataclass(frozen=True)
class Choice(Param):
    """One of a fixed set of values; `labels` maps a value to what the user sees.

    Values are plain identifiers (what `-s` and exports use); a label typed in either
    language is accepted too, so whatever the TUI shows can be typed back.
    """

    choices: tuple[str, ...] = ()
    labels: Mapping[str, Text] = field(default_factory=dict)

    def allowed(self) -> str:
        return "one of " + ", ".join(self.choices)

    def parse(self, text: str) -> str:
        text = str(text).strip()
        if text in self.choices:
            return text
        for value, label in self.labels.items():
            if text in (tr(label, "en"), tr(label, "zh")):
                return value
        raise ParamError(f"{self.name}: {_quote(text)} is not allowed; expected one of "
                         + ", ".join(self.choices))

    def short(self) -> Text:
        return T(f"{len(self.choices)} choices", f"{len(self.choices)} 个选项")

    def nudge(self, value: str, direction: int, big: bool = False) -> str:
        i = self.choices.index(value) if value in self.choices else 0
        return self.choices[(i + direction) % len(self.choices)]

    def label(self, value: str) -> Text:
        return self.labels.get(value, value)


@dataclass(frozen=True)
class Toggle(Param):
    _TRUE = ("on", "true", "yes", "1")
    _FALSE = ("off", "false", "no", "0")

    def allowed(self) -> str:
        return "on or off"

    def parse(self, text: str) -> bool:
        text = str(text).strip().lower()
        if text in self._TRUE:
            return True
        if text in self._FALSE:
            return False
        raise ParamError(f"{self.name}: {_quote(text)} is not allowed; expected on or off")

    def validate(self, value: Any) -> bool:
        if isinstance(value, bool):
            return value
        return self.parse(str(value))

    def short(self) -> Text:
        return T("on/off", "开/关")

    def nudge(self, value: bool, direction: int, big: bool = False) -> bool:
        return not value

    def format(self, value: bool) -> str:
        return "on" if value else "off"

    def label(self, value: bool) -> Text:
        return T("on", "开") if value else T("off", "关")


@dataclass(frozen=True)
class TypedText(Param):
    """A value typed as text (the `e` key), or one of the presets that ←/→ cycle through.

    Subclasses say what text they accept in `check`, which returns the text normalised or
    raises ParamError; the value is always that text, so `-s` takes back what is shown.
    """

    presets: Mapping[Text, str] = field(default_factory=dict)

    editable = True

    def check(self, text: str) -> str:
        raise NotImplementedError

    def preset_names(self) -> str:
        return ", ".join(tr(k, "en") for k in self.presets)

    def parse(self, text: str) -> str:
        text = str(text).strip()
        if len(text) > MAX_TEXT:
            raise ParamError(f"{self.name}: the text is {len(text)} characters long; "
                             f"at most {MAX_TEXT} are allowed")
        return self.check(preset_named(self.presets, text) or text)

    def short(self) -> Text:
        return T("e: type", "e：输入")

    def nudge(self, value: str, direction: int, big: bool = False) -> str:
        texts = [self.check(t) for t in self.presets.values()]
        if not texts:
            return value
        i = texts.index(value) if value in texts else (-1 if direction > 0 else 0)
        return texts[(i + direction) % len(texts)]

    def label(self, value: str) -> Text:
        for name, text in self.presets.items():
            if self.check(text) == value:
                return name
        return value


@dataclass(frozen=True)
class Expression(TypedText):
    """A function typed by the user, parsed (never evaluated as code) to check it."""

    variables: tuple[str, ...] = ("x",)

    def allowed(self) -> str:
        return (f"an expression in {', '.join(self.variables)} "
                f"(presets: {self.preset_names()})")

    def check(self, text: str) -> str:
        from calcterm.compute.expr import ExprError, parse

        try:
            parse(text, variables=self.variables)
        except ExprError as exc:
            raise ParamError(f"{self.name}: {exc}") from None
        return text


_NUMBER_CHARS = frozenset("0123456789+-.eE")
_SIGN_RULES = {"any": "", "nonnegative": ", each ≥ 0", "positive": ", each > 0"}


@dataclass(frozen=True)
class Vector(TypedText):
    """A short list of numbers typed as text, e.g. "0.7, 0.2, 0.1" (a distribution, logits).

    The value stays the text (what `-s` takes back and what an export shows); `numbers`
    reads it. `sign` is "any", "nonnegative" or "positive". A `normalised` vector needs a
    positive sum and `numbers` divides by it, so "1, 1, 2" means (¼, ¼, ½). `presets`
    (name -> text) are what ←/→ cycle through; `e` types a value.
    """

    min_len: int = 2
    max_len: int = 10
    sign: str = "any"
    normalised: bool = False

    def allowed(self) -> str:
        rule = f"{self.min_len}–{self.max_len} numbers separated by commas{_SIGN_RULES[self.sign]}"
        if self.normalised:
            rule += ", not all 0 (scaled to sum 1)"
        if self.presets:
            rule += f" (presets: {self.preset_names()})"
        return rule

    def check(self, text: str) -> str:
        items = _items(text)
        bad = next((item for item in items if not _is_number(item)), None)
        if bad is not None:
            raise ParamError(f"{self.name}: {_quote(bad)} is not a number; expected {self.allowed()}")
        values = [float(item) for item in items]
        if not (self.min_len <= len(values) <= self.max_len):
            raise ParamError(f"{self.name}: {len(values)} numbers given; expected {self.allowed()}")
        if not all(math.isfinite(v) for v in values):
            raise ParamError(f"{self.name}: every number must be finite; expected {self.allowed()}")
        if (self.sign == "nonnegative" and min(values) < 0) or (self.sign == "positive"
                                                                and min(values) <= 0):
            raise ParamError(f"{self.name}: {_fmt(min(values))} breaks the sign rule; "
                             f"expected {self.allowed()}")
        if self.normalised and not sum(values) > 0:
            raise ParamError(f"{self.name}: the numbers sum to {_fmt(sum(values))}; "
                             f"expected {self.allowed()}")
        return ", ".join(items)

    def numbers(self, value: str) -> tuple[float, ...]:
        """The numbers in `value` (already valid), divided by their sum when normalised."""
        values = [float(item) for item in _items(self.parse(value))]
        if self.normalised:
            total = math.fsum(values)
            values = [v / total for v in values]
        return tuple(values)


def _items(text: str) -> list[str]:
    """The pieces of a vector's text, split at commas and spaces."""
    return text.replace(",", " ").split()


def _is_number(item: str) -> bool:
    """A plain decimal number (no names such as inf or nan, no digit separators)."""
    if not set(item) <= _NUMBER_CHARS:
        return False
    try:
        float(item)
    except ValueError:
        return False
    return True
