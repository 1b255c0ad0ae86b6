"""What the browser tests share: signing in, screenshots, axe-core and the pages' CSP refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .conftest import ARTIFACTS, Server

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
CSP: list[str] = []  # what the browser refused under the pages' CSP; checked after every test


def login(
    browser: Any, server: Server, token: str, width: int | None = None, **options: Any
) -> Any:
    """A signed-in page in a context of its own (``width``: a 900-px-high viewport that wide)."""
    if width is not None:
        options["viewport"] = {"width": width, "height": 900}
    context = browser.new_context(base_url=server.url, **options)
    page = context.new_page()
    page.on(
        "console", lambda m: CSP.append(m.text) if "Content Security Policy" in m.text else None
    )
    page.goto("/console/login")
    page.fill("#token", token)
    page.click("#login")
    page.wait_for_load_state()
    return page


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"console-{name}.png"), full_page=True)


def axe(page: Any) -> list[str]:
    """axe-core's critical and serious violations on ``page`` as "rule target" lines (the page
    must come from a context made with ``bypass_csp=True`` to take the script)."""
    page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document)).violations"
        ".map(v => [v.id, v.impact, v.nodes.map(n => n.target).join(' ')])"
    )
    return [f"{i} {where}" for i, impact, where in found if impact in ("critical", "serious")]


def violations(browser: Any, server: Server, token: str, url: str, lang: str) -> list[Any]:
    """axe-core's critical and serious violations on ``url`` in ``lang`` (axe's own objects),
    signed in as ``token`` in a context of its own (the only kind that bypasses the CSP)."""
    page = login(browser, server, token, bypass_csp=True)
    page.goto(url + ("&" if "?" in url else "?") + f"lang={lang}")
    page.add_script_tag(path=str(AXE))
    found = page.evaluate("async () => (await axe.run(document)).violations")
    page.context.close()
    return [v for v in found if v.get("impact") in ("critical", "serious")]


#: What the field app showed when a tap seemed to do nothing: the toast, the task view's state,
#: the scroll and what lies under the centre of ``selector`` (a known, open flake: under a full
#: suite's load a tap on 办结上报 sometimes neither sends nor asks why; this says why next time).
SCENE = """(selector) => {
  const b = document.querySelector(selector), v = document.getElementById("task-view");
  const r = b ? b.getBoundingClientRect() : null;
  const hit = r ? document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2) : null;
  return JSON.stringify({toast: document.getElementById("toast").textContent,
    shown: document.getElementById("toast").className, sig: v && v.dataset.sig,
    pending: v && v.dataset.pending, hidden: v && v.hidden, scrollY: window.scrollY,
    button: r && [r.x, r.y, r.width, r.height], innerHeight: window.innerHeight,
    hit: hit && (hit.tagName + "#" + hit.id + "." + hit.className),
    outbox: document.getElementById("outbox").textContent});
}"""


def scene(page: Any, selector: str) -> str:
    try:
        return str(page.evaluate(SCENE, selector))
    except Exception as exc:  # noqa: BLE001 - a diagnosis, never the failure itself
        return f"(no scene: {exc})"
