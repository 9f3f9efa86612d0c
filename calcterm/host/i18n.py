"""The host's own words (scenes carry their own texts as `T` values)."""

from __future__ import annotations

from calcterm.text import T

TEXT: dict[str, T] = {
    "picker_title": T("calcterm — choose a scene (↑/↓, enter)",
                "calcterm — 选择一个场景（↑/↓，回车）"),
    "tab_params": T("Params", "参数"),
    "tab_readout": T("Readout", "读数"),
    "tab_text": T("Text", "说明"),
    "readout": T("Readout",
                "读数"),
    "explanation": T("What to look at",
                "看点"),
    "playing": T("▶ playing",
                "▶ 播放中"),
    "paused": T("■ paused",
                "■ 已暂停"),
    "finished": T("✓ finished",
                "✓ 已结束"),
    "step": T("step",
                "步"),
    "saved": T("Saved screenshot to",
                "截图已保存到"),
    "no_expression": T("This scene has nothing to type in.",
                "此场景没有可输入的参数。"),
    "edit_title": T("Edit {name} (enter to apply, escape to cancel)",
                "编辑 {name}（回车确认，Esc 取消）"),
    "enlarge": T("Enlarge the terminal: calcterm needs at least {w}×{h} cells, it has {cw}×{ch}.",
                "请放大终端：calcterm 至少需要 {w}×{h} 个字符，当前为 {cw}×{ch}。"),
    "enlarge_plot": T("Enlarge the terminal: the plot needs {w}×{h} cells, it has {cw}×{ch}.",
                      "请放大终端：图至少需要 {w}×{h} 个字符，当前为 {cw}×{ch}。"),
    "help_title": T("Keys",
                "按键"),
    "language": T("Language: English",
                "语言：中文"),
    "tour_entry": T("Guided tour: the article in order", "导览：按文章顺序游览"),
    "tour_sub": T("stop by stop, each a scene with a narration and a claim it checks",
                  "一站一站走，每站一个场景，附解说和一个可自检的结论"),
    "presets": T("presets",
                "预设"),
}


def t(lang: str, key: str, **fields: object) -> str:
    return TEXT[key].format(**fields).get(lang)
