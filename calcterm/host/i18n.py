"""The host's own words in English and Chinese (scenes carry their own texts)."""

from __future__ import annotations

TEXT = {
    "en": {
        "picker_title": "calcterm — choose a scene (↑/↓, enter)",
        "parameters": "Parameters",
        "readout": "Readout",
        "explanation": "What to look at",
        "playing": "▶ playing",
        "paused": "■ paused",
        "step": "step",
        "saved": "Saved screenshot to",
        "no_expression": "This scene has no function to edit.",
        "edit_title": "Edit {name} (enter to apply, escape to cancel)",
        "enlarge": "Enlarge the terminal: calcterm needs at least {w}×{h} cells, it has {cw}×{ch}.",
        "help_title": "Keys",
        "language": "Language: English",
    },
    "zh": {
        "picker_title": "calcterm — 选择一个场景（↑/↓，回车）",
        "parameters": "参数",
        "readout": "读数",
        "explanation": "看点",
        "playing": "▶ 播放中",
        "paused": "■ 已暂停",
        "step": "步",
        "saved": "截图已保存到",
        "no_expression": "此场景没有可编辑的函数。",
        "edit_title": "编辑 {name}（回车确认，Esc 取消）",
        "enlarge": "请放大终端：calcterm 至少需要 {w}×{h} 个字符，当前为 {cw}×{ch}。",
        "help_title": "按键",
        "language": "语言：中文",
    },
}

KEYS = {
    "en": [
        ("↑/↓, tab", "choose a parameter (or click it)"),
        ("←/→", "change it (shift: ×10 steps; or click ◀ ▶)"),
        ("space", "play / pause the animation"),
        ("n", "one animation step"),
        ("r", "reset the scene"),
        ("e", "edit the function expression"),
        ("s", "save an SVG screenshot"),
        ("l", "switch English / Chinese"),
        ("?", "this help"),
        ("escape", "back to the scene picker"),
        ("q", "quit"),
    ],
    "zh": [
        ("↑/↓, tab", "选择参数（或用鼠标点击）"),
        ("←/→", "调整参数（shift：×10 步；或点击 ◀ ▶）"),
        ("space", "播放 / 暂停动画"),
        ("n", "前进一步"),
        ("r", "重置场景"),
        ("e", "编辑函数表达式"),
        ("s", "保存 SVG 截图"),
        ("l", "切换中文 / 英文"),
        ("?", "本帮助"),
        ("escape", "返回场景列表"),
        ("q", "退出"),
    ],
}


def t(lang: str, key: str, **fields: object) -> str:
    return TEXT.get(lang, TEXT["en"])[key].format(**fields)
