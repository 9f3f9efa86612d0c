"""Headless screenshots: run the app off-screen and export what it shows as SVG.

The SVG carries the command line that reopens the view (`calcterm.share.annotate_svg`).
"""

from __future__ import annotations

import asyncio

from calcterm.scene import Scene


def screenshot_svg(scene: Scene, size: tuple[int, int], lang: str = "en") -> str:
    from calcterm.host.app import CalcTermApp

    async def shoot() -> str:
        app = CalcTermApp(lang=lang, scene=scene)
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            return app.export_screenshot(title=f"calcterm {scene.id}")

    from calcterm.share import annotate_svg

    return annotate_svg(asyncio.run(shoot()), scene)
