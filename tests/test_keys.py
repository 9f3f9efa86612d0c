"""The keys are written once: the help table and the README's key table come from the bindings."""

from __future__ import annotations

import re
from pathlib import Path

from calcterm.host.keys import SCENE_KEYS, bindings, help_rows

README = Path(__file__).resolve().parent.parent / "README.md"


def test_the_readme_key_table_is_the_help_table():
    text = README.read_text(encoding="utf-8")
    block = text.split("<!-- keys:start -->")[1].split("<!-- keys:end -->")[0]
    rows = re.findall(r"^\| `(.+?)` \| (.+?) \|$", block, re.M)
    assert rows == help_rows("en")


def test_every_binding_is_documented_and_every_documented_key_is_bound():
    bound = {b.action for b in bindings("en")}
    assert bound == {k.action for k in SCENE_KEYS}
    documented = {k.action.split("(")[0] for k in SCENE_KEYS if k.shown}
    assert documented == {k.action.split("(")[0] for k in SCENE_KEYS}


def test_the_footer_always_offers_help_first():
    shown = [b for b in bindings("zh") if b.show]
    assert shown[0].action == "help" and shown[0].description == "帮助"
