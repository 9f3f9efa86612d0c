"""Axis geometry: from data to plotting units, limits, round ticks and their labels.

Pure numpy and no terminal: the renderer asks for an axis that fits some data (or a forced
window) in a number of cells, and gets limits and ticks that are safe for any input:

* plotting units are log10 of the data on a log axis; on a linear axis whose values are huge
  (or tiny) they are the data times 10^-shift, so differences never overflow (1e308 − (−1e308))
  and labels say "2e300" where the arithmetic saw 2;
* empty, constant, all-undefined or absurd data still give a window of positive width;
* ticks are 1, 2 or 5 × 10^k (whole decades on log axes, integers on integer-valued data), no
  more than fit, and "nice" limits are rounded outward to ticks so that a panel whose data moves
  a little keeps the same limits (and the renderer's cached frame).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from calcterm.text import fmt

MANTISSAS = (1.0, 2.0, 5.0)
HUGE, TINY = 1e100, 1e-100      # beyond these a linear axis is shifted by a power of ten
FLAT = 1e-9                     # a span below FLAT × |value| counts as constant
MAX_TICKS = 400


@dataclass(frozen=True)
class Scale:
    """How data values become plotting units on one axis."""

    log: bool = False
    shift: int = 0

    def units(self, values) -> np.ndarray:
        v = np.asarray(values, dtype=float).ravel()
        with np.errstate(all="ignore"):
            if self.log:
                return np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), np.nan)
            return _times_power(v, -self.shift) if self.shift else v.copy()

    def values(self, units: np.ndarray) -> np.ndarray:
        """Plotting units back to data values (for functions the renderer evaluates)."""
        with np.errstate(all="ignore"):
            if self.log:
                return 10.0 ** units
            return _times_power(units, self.shift) if self.shift else units


def _times_power(v: np.ndarray, k: int) -> np.ndarray:
    """v × 10^k in two factors, so that 10^k itself may lie beyond the float range."""
    half = k // 2
    return v * 10.0 ** half * 10.0 ** (k - half)


def scale_for(values: np.ndarray, log: bool) -> Scale:
    """The scale of an axis showing `values` (data units; non-finite ignored)."""
    if log:
        return Scale(True)
    v = np.abs(np.asarray(values, dtype=float))
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        return Scale(False)
    big = float(v.max())
    if big > HUGE or big < TINY:
        return Scale(False, int(math.floor(math.log10(big))))
    return Scale(False)


@dataclass(frozen=True)
class Axis:
    """Limits in plotting units and the ticks inside them (positions in units, labels)."""

    lo: float
    hi: float
    ticks: tuple[float, ...]
    labels: tuple[str, ...]
    scale: Scale


def widen(lo: float, hi: float, log: bool) -> tuple[float, float]:
    """A window of positive, representable width around [lo, hi] (units)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return (0.0, 1.0) if log else (-1.0, 1.0)
    if lo > hi:
        lo, hi = hi, lo
    size = max(abs(lo), abs(hi))
    if hi - lo <= FLAT * size or hi - lo < 1e-290:
        half = 0.5 if log else (0.5 * size if size > 1e-290 else 1.0)
        lo, hi = lo - half, hi + half
    return lo, hi


def nice_step(raw: float) -> float:
    """The smallest 1, 2 or 5 × 10^k that is at least `raw` (> 0)."""
    k = math.floor(math.log10(raw))
    for m in (*MANTISSAS, 10.0):
        step = m * 10.0 ** k
        if step >= raw * (1 - 1e-12):
            return step
    return 10.0 ** (k + 1)


def next_step(step: float) -> float:
    k = math.floor(math.log10(step) + 1e-9)
    m = step / 10.0 ** k
    return nice_step(step * 1.01) if m < 4.5 else 10.0 ** (k + 1)


def multiples(lo: float, hi: float, step: float) -> np.ndarray:
    k0 = math.ceil(lo / step - 1e-9)
    k1 = math.floor(hi / step + 1e-9)
    if k1 - k0 > MAX_TICKS:
        return np.zeros(MAX_TICKS + 2)  # too many: the caller moves on to a coarser step
    return np.arange(k0, k1 + 1) * step


def linear_labels(ticks: np.ndarray, step: float, shift: int = 0) -> tuple[str, ...]:
    """Tick values as short text: fixed point while it stays short, else mantissa-e-exponent.

    `step` (units) sets the digits shown; `shift` is the axis's power-of-ten offset.
    """
    k = math.floor(math.log10(step) + 1e-9)
    big = max((abs(t) for t in ticks), default=0.0)
    top = (math.log10(big) + shift) if big > 0 else 0.0
    if shift == 0 and k >= -4 and top < 6:
        digits = max(0, -k)
        return tuple(_plain(fmt(t, f".{digits}f")) for t in ticks)
    out = []
    for t in ticks:
        if abs(t) < 0.5 * step:  # zero, give or take rounding
            out.append("0")
            continue
        e = math.floor(math.log10(abs(t)) + 1e-12)
        mant = t / 10.0 ** e
        digits = max(0, e - k)
        text = fmt(mant, f".{digits}f")
        if text.lstrip("-").startswith("10"):
            e, text = e + 1, fmt(mant / 10, f".{digits}f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
        out.append(f"{text}e{e + shift}")
    return tuple(out)


def _plain(text: str) -> str:
    return text.lstrip("-") if text.lstrip("-").strip("0.") == "" else text  # no "-0.0"


def decade_label(k: float, mantissa: float = 1.0) -> str:
    k = int(round(k))
    m = f"{mantissa:g}"
    if -2 <= k <= 2:
        value = mantissa * 10.0 ** k
        return f"{value:.{max(0, -k)}f}"
    return f"{m}e{k}"


Fits = Callable[[float, float, np.ndarray, Sequence[str]], bool]  # (lo, hi, ticks, labels)


def linear_axis(lo: float, hi: float, nice: bool, most: int, fits: Fits, integer: bool = False,
                shift: int = 0) -> tuple[float, float, np.ndarray, tuple[str, ...]]:
    """Limits and ticks of a linear axis over [lo, hi] (units, lo < hi).

    Steps are tried from fine to coarse; the first giving 2 to `most` ticks whose labels fit
    wins. Failing that, the coarsest step giving two or more ticks that fit (up to 2 × most),
    and only then a single tick.
    """
    most = max(2, most)
    step = nice_step((hi - lo) / (4 * most))
    if integer and shift == 0:
        step = max(step, 1.0)
    dense = single = None  # fallbacks: more ticks than wanted (but fitting), or just one
    for _ in range(60):
        if not math.isfinite(step) or step > 100 * (hi - lo):
            break
        a, b = snap(lo, hi, step, integer and shift == 0) if nice else (lo, hi)
        ticks = multiples(a, b, step)
        if 0 < len(ticks) <= 2 * most:
            labels = linear_labels(ticks, step, shift)
            if fits(a, b, ticks, labels):
                if 2 <= len(ticks) <= most:
                    return a, b, ticks, labels
                if len(ticks) >= 2:
                    dense = (a, b, ticks, labels)
                else:
                    single = single or (a, b, ticks, labels)
        step = next_step(step)
    return dense or single or (lo, hi, np.zeros(0), ())


def snap(lo: float, hi: float, step: float, integer: bool = False) -> tuple[float, float]:
    """[lo, hi] rounded outward to multiples of the tick step, or of a finer round quantum
    when whole steps would leave more than a fifth of the window empty."""
    quantum = step
    while True:
        a = math.floor(lo / quantum + 1e-9) * quantum
        b = math.ceil(hi / quantum - 1e-9) * quantum
        finer = previous_step(quantum)
        if b - a <= 1.25 * (hi - lo) or finer < step / 10 or (integer and finer < 1):
            return a, b
        quantum = finer


def previous_step(step: float) -> float:
    """The round step just below `step` (5 -> 2 -> 1 -> 0.5 ...)."""
    k = math.floor(math.log10(step) + 1e-9)
    m = round(step / 10.0 ** k)
    return {1: 0.5, 2: 1.0, 5: 2.0}.get(m, 1.0) * 10.0 ** k


def log_axis(lo: float, hi: float, nice: bool, most: int, fits: Fits) -> tuple[float, float, np.ndarray, tuple[str, ...]]:
    """Limits and ticks of a log axis over [lo, hi] (log10 units): decades when there are
    enough of them, else 1-2-5 ticks within the decade, else round values."""
    most = max(2, most)
    if nice:
        lo, hi = math.floor(lo + 1e-9), math.ceil(hi - 1e-9)
        hi = max(hi, lo + 1)
    first, last = math.ceil(lo - 1e-9), math.floor(hi + 1e-9)
    if last - first >= 1:
        for stride in (1, 2, 3, 5, 10, 20, 25, 50, 100, 200, 250, 500):
            exps = np.arange(first + (-first) % stride, last + 1, stride, dtype=float)
            if len(exps) <= most and len(exps) >= 2:
                labels = tuple(decade_label(k) for k in exps)
                if fits(lo, hi, exps, labels):
                    return lo, hi, exps, labels
    for mants in ((1.0, 2.0, 5.0), tuple(float(m) for m in range(1, 10))):
        pos, labels = [], []
        for k in range(math.floor(lo) - 1, math.ceil(hi) + 1):
            for m in mants:
                u = k + math.log10(m)
                if lo - 1e-9 <= u <= hi + 1e-9:
                    pos.append(u)
                    labels.append(decade_label(k, m))
        if 2 <= len(pos) <= most and fits(lo, hi, np.array(pos), labels):
            return lo, hi, np.array(pos), tuple(labels)
    a, b = 10.0 ** lo, 10.0 ** hi
    if 0 < a < b < math.inf:
        def positive(_a: float, _b: float, t: np.ndarray, s) -> bool:
            return bool(np.all(t > 0)) and fits(lo, hi, np.log10(t), s)
        _, _, values, labels = linear_axis(a, b, False, most, positive)
        if len(values):
            return lo, hi, np.log10(values), labels
    return lo, hi, np.zeros(0), ()


def plan_axis(data: np.ndarray, lim: tuple[float, float] | None, scale: Scale, fit: str,
              most: int, fits: Fits, integer: bool = False, pad: float = 0.0) -> Axis:
    """The axis showing `data` (plotting units, finite) or the forced window `lim` (data units).

    `fit` "nice" rounds data limits outward to ticks; "data" keeps them (plus `pad`, a share
    of the span). A forced window is kept exactly.
    """
    forced = None
    if lim is not None:
        u = scale.units(np.array(lim, dtype=float))
        if u.size == 2 and np.all(np.isfinite(u)) and u[0] != u[1]:
            forced = (float(min(u)), float(max(u)))
    if forced is not None:
        lo, hi = forced
    elif data.size:
        lo, hi = float(data.min()), float(data.max())
        if fit != "nice" and pad and hi > lo:
            lo, hi = lo - pad * (hi - lo), hi + pad * (hi - lo)
    else:
        lo, hi = (0.0, 1.0)
    lo, hi = widen(lo, hi, scale.log)
    nice = forced is None and fit == "nice"
    if scale.log:
        lo, hi, ticks, labels = log_axis(lo, hi, nice, most, fits)
    else:
        lo, hi, ticks, labels = linear_axis(lo, hi, nice, most, fits, integer, scale.shift)
    return Axis(lo, hi, tuple(float(t) for t in ticks), labels, scale)


def retick(axis: Axis, lo: float, hi: float, most: int, fits: Fits, integer: bool = False) -> Axis:
    """The same axis over a new window (e.g. widened for equal aspect), ticks re-picked."""
    if axis.scale.log:
        lo, hi, ticks, labels = log_axis(lo, hi, False, most, fits)
    else:
        lo, hi, ticks, labels = linear_axis(lo, hi, False, most, fits, integer, axis.scale.shift)
    return Axis(lo, hi, tuple(float(t) for t in ticks), labels, axis.scale)


def is_integer_valued(values: np.ndarray) -> bool:
    """Data that are all whole numbers (steps, layer indices, counts): ticks stay whole."""
    return bool(values.size) and bool(np.all(np.abs(values) < 2.0 ** 52)) and bool(
        np.all(values == np.round(values)))
