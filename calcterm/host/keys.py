"""The scene screen's keys, written once: bindings, footer, help table and README come from here."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

from calcterm.text import T


@dataclass(frozen=True)
class Key:
    keys: str
    """Textual key names, comma-separated."""
    action: str
    shown: str
    """How the key is written for a person (footer, help, README)."""
    footer: T
    """The footer's short word."""
    help: T
    """The help table's sentence."""
    in_footer: bool = True
    key_display: str | None = None
    """What the footer shows for the key, when not the key itself."""


SCENE_KEYS: tuple[Key, ...] = (
    Key("question_mark", "help", "?", T("Help", "帮助"), T("this help", "本帮助")),
    Key("space", "play", "space", T("Play", "播放"), T("play / pause the animation", "播放 / 暂停动画")),
    Key("n", "step", "n", T("Step", "前进"), T("one step forward", "前进一步")),
    Key("b", "back", "b", T("Back", "后退"), T("one step back", "后退一步")),
    Key("plus,equals_sign", "speed(1)", "+", T("Speed", "速度"),
        T("faster (0.25× … 4×)", "加快速度（0.25× … 4×）"), key_display="+/-"),
    Key("minus", "speed(-1)", "-", T("Slower", "减速"), T("slower", "减慢速度"), in_footer=False),
    Key("up", "select(-1)", "↑/↓, tab", T("Param", "参数"),
        T("choose a parameter (or click it)", "选择参数（或用鼠标点击）"), in_footer=False),
    Key("down,tab", "select(1)", "", T("Param", "参数"), T("", ""), in_footer=False),
    Key("shift+tab", "select(-1)", "", T("Param", "参数"), T("", ""), in_footer=False),
    Key("left", "nudge(-1)", "←/→", T("Change", "调整"),
        T("change it (shift: ×10 steps; or click ◀ ▶)", "调整参数（shift：×10 步；或点击 ◀ ▶）"),
        in_footer=False),
    Key("right", "nudge(1)", "", T("Change", "调整"), T("", ""), in_footer=False),
    Key("shift+left", "nudge(-1, True)", "", T("Change", "调整"), T("", ""), in_footer=False),
    Key("shift+right", "nudge(1, True)", "", T("Change", "调整"), T("", ""), in_footer=False),
    Key("e", "edit", "e", T("Edit", "编辑"),
        T("type the value of the editable parameter (a formula, a vector)",
          "输入可编辑参数的值（公式、向量）")),
    Key("r", "reset", "r", T("Restart", "重播"),
        T("restart the animation, keeping the settings", "重新开始动画，保留设置"), in_footer=False),
    Key("d", "defaults", "d", T("Defaults", "默认"),
        T("restore the scene's default settings", "恢复默认设置"), in_footer=False),
    Key("v", "side", "v", T("Panel", "面板"),
        T("narrow screens: show parameters, readout or explanation beside the plot",
          "窄屏：在图旁显示参数、读数或说明"), in_footer=False),
    Key("j", "scroll_text(1)", "j/k", T("Text", "文字"),
        T("scroll the explanation down / up", "向下 / 向上滚动说明"), in_footer=False),
    Key("k", "scroll_text(-1)", "", T("Text", "文字"), T("", ""), in_footer=False),
    Key("s", "screenshot", "s", T("SVG", "截图"),
        T("save an SVG screenshot in the current folder", "在当前目录保存 SVG 截图"), in_footer=False),
    Key("c", "share", "c", T("Share", "分享"),
        T("copy the command line that reopens this view (calcterm run …)",
          "复制能重现此视图的命令行（calcterm run …）"), in_footer=False),
    Key("w", "words", "w", T("Words", "文字"),
        T("the picture in words in place of the plot, kept up to date (for screen readers); "
          "w again brings the plot back",
          "用文字代替图像并实时更新（供读屏软件使用）；再按 w 恢复图像"), in_footer=False),
    Key("right_square_bracket", "tour(1)", "] / [", T("Tour", "导览"),
        T("guided tour: next / previous stop (from a scene: its first stop)",
          "导览：下一站 / 上一站（在场景中按：跳到它的第一站）"), in_footer=False),
    Key("left_square_bracket", "tour(-1)", "", T("Tour", "导览"), T("", ""), in_footer=False),
    Key("T", "narration", "T", T("Narration", "解说"),
        T("guided tour: hide / show the narration", "导览：隐藏 / 显示解说"), in_footer=False),
    Key("l", "language", "l", T("中/EN", "中/EN"), T("switch English / Chinese", "切换中文 / 英文"),
        in_footer=False),
    Key("escape", "back_to_picker", "escape", T("Scenes", "场景"),
        T("back to the scene picker", "返回场景列表")),
    Key("q", "quit", "q", T("Quit", "退出"), T("quit", "退出")),
)


def bindings(lang: str = "en") -> list[Binding]:
    return [Binding(k.keys, k.action, k.footer.get(lang), show=k.in_footer,
                    key_display=k.key_display) for k in SCENE_KEYS]


def help_rows(lang: str) -> list[tuple[str, str]]:
    """(key, what it does) for the help table and the README, one row per documented key."""
    return [(k.shown, k.help.get(lang)) for k in SCENE_KEYS if k.shown]
