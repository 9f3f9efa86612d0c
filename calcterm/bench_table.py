"""`calcterm bench`'s report as a table for a person (the JSON has the same numbers)."""

from __future__ import annotations

from typing import Any


def _pair(d: dict[str, float]) -> str:
    return f"{d['median_ms']:.2f} / {d['p95_ms']:.2f}"


def _verdict(value: float | None, limit: float, below: bool = True) -> str:
    if value is None:
        return ""
    ok = value < limit if below else value >= limit
    return f"  (target {'<' if below else '≥'} {limit:g}: {'ok' if ok else 'MISSED'})"


def table(report: dict[str, Any]) -> str:
    load = report["load_average"]
    lines = [f"calcterm bench — up to {report['frames']} frames or {report['seconds']:g} s per "
             f"row, Python {report['python']}; load average {load.get('start')} at the start, "
             f"{load.get('end')} at the end (a busy machine inflates every time)",
             "times in ms per frame: median / p95; budget applies to defaults",
             f"{'scene':<15} {'params':<8} {'size':>7} {'n':>4} {'compute':>15} {'render':>15} "
             f"{'frame':>15} {'matplotlib':>15} {'mpl÷ren':>7}  budget"]
    for r in report["runs"]:
        size = f"{r['size'][0]}×{r['size'][1]}"
        if "error" in r:
            lines.append(f"{r['scene']:<15} {r['setting']:<8} {size:>7}  FAILED: {r['error']}")
            continue
        mpl = _pair(r["matplotlib"]) if "matplotlib" in r else "—"
        ratio = f"{r['ratio']:.1f}×" if "ratio" in r else "—"
        budget = "—" if r["budget"] is None else ("OVER: " + "; ".join(r["over"]) if r["over"]
                                                  else "ok")
        lines.append(f"{r['scene']:<15} {r['setting']:<8} {size:>7} {r['frames']:>4} "
                     f"{_pair(r['compute']):>15} {_pair(r['render']):>15} {_pair(r['frame']):>15}"
                     f" {mpl:>15} {ratio:>7}  {budget}")
    if not report["matplotlib"]:
        lines.append("matplotlib is not installed: pip install 'calcterm[bench]' to compare with it")
    over = report.get("over_budget") or []
    lines.append(f"over budget: {len(over)}" + ("" if not over else ": " + "; ".join(over)))
    if report.get("errors"):
        lines.append(f"failed: {len(report['errors'])}: " + "; ".join(report["errors"]))
    lines += _heavy(report.get("heavy_step"), report["targets"])
    s = report["startup"]
    paint = s.get("tui_first_paint_s")
    lines.append(f"startup: calcterm list {s['list_s']:.3f} s, calcterm --help {s['help_s']:.3f} s"
                 + (f", TUI first paint {paint:.3f} s" if paint is not None else ""))
    lines += _tui(report.get("tui", {}), report["targets"])
    return "\n".join(lines)


def _heavy(h: dict[str, Any] | None, targets: dict[str, float]) -> list[str]:
    if h is None:
        return []
    alone = h["network_alone"]
    held = h["held_bytes"]
    mb = 2 ** 20
    return [
        f"{h['scene']} heaviest step ({h['depth']} layers × {h['width']}², batch {h['batch']}, "
        f"{h['dtype']}): {h['step_gflop']:.1f} GFLOP of matrix products in {h['step_ms']:.0f} ms "
        f"= {h['gflops']:.1f} GFLOP/s; this machine's {h['dtype']} matmul "
        f"{h['machine_gflops']:.1f} GFLOP/s; ratio {h['ratio']:.2f}",
        f"  its SGD step alone ({alone['dtype']}): {alone['step_ms']:.0f} ms = "
        f"{alone['gflops']:.1f} GFLOP/s of the machine's {alone['machine_gflops']:.1f}; ratio "
        f"{alone['ratio']:.2f}" + _verdict(alone["ratio"], targets["gemm_ratio"], below=False),
        f"  bytes the network must hold: {held['total'] / mb:.0f} MB (weights "
        f"{held['weights'] / mb:.0f}, gradients {held['gradients'] / mb:.1f}, activations "
        f"{held['activations'] / mb:.0f})",
    ]


def _tui(t: dict[str, Any], targets: dict[str, float]) -> list[str]:
    if "note" in t:
        return [f"TUI probes: {t['note']}"]
    out = []
    k = t.get("key_latency_ms")
    if k:
        note = "" if k["playing_throughout"] else " (the scene stopped playing meanwhile)"
        out.append(f"key_latency_ms while {k['scene']} heaviest plays: p50 {k['p50']:.0f}, p95 "
                   f"{k['p95']:.0f} over {k['presses']} presses{note}"
                   + _verdict(k["p95"], targets["key_latency_p95_ms"]))
    idle = t.get("idle_cpu_percent", {})
    limit = targets["idle_cpu_percent"]
    if "finished" in idle:
        out.append(f"idle_cpu_percent: {idle['scene']} paused as it opens {idle['paused']:.1f}"
                   + _verdict(idle["paused"], limit))
        out.append(f"idle_cpu_percent: {idle['scene']} finished {idle['finished']:.1f}"
                   + _verdict(idle["finished"], limit))
    elif "note" in idle:
        out.append(f"idle_cpu_percent: paused and finished — {idle['note']}")
    if "paused_heaviest" in idle:
        out.append(f"idle_cpu_percent: {idle['heaviest_scene']} heaviest paused after playing "
                   f"{idle['paused_heaviest']:.1f} (measured once the step under way had ended,"
                   f" {idle['heaviest_settle_s']:.1f} s after the pause)"
                   + _verdict(idle["paused_heaviest"], limit))
    m = t.get("memory", {})
    if "peak_rss_mb" in m:
        line = (f"memory: {m['scene']} heaviest in the TUI, peak RSS {m['peak_rss_mb']:.0f} MB "
                f"after {m['steps']} steps")
        if "held_mb" in m:
            line += (f", {m['ratio']:.2f}× the {m['held_mb']:.0f} MB its network must hold"
                     + _verdict(m["ratio"], targets["rss_ratio"]))
        if "light_scene_rss_mb" in m:
            line += f" (a light scene's TUI: {m['light_scene_rss_mb']:.0f} MB)"
        out.append(line)
    out += [f"TUI probe failed: {failure}" for failure in t.get("failed", [])]
    return out
