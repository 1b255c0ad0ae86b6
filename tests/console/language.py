"""What a page says to its reader: the visible text of an HTML page (text, placeholders, labels,
alternative text, tooltips) without what is not words of the interface — codes (``<code>``),
what people typed or are called (``translate="no"``), the language switch — and, on an English
page, the Chinese names marked as such (``class="untr" lang="zh-CN"``: org.yaml gave no English
one). The words left must be in the page's language."""

from __future__ import annotations

import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip
SHOWN = ("placeholder", "aria-label", "alt", "title", "label")
CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\U00020000-\U0002ffff]+")
WORD = re.compile(r"[A-Za-z]{2,}")
CODEISH = re.compile(r"\S*[\d@_]\S*|\b[a-z]+(?:-[a-z0-9]+)+\b")  # ids: dept-water, sc-…
#: Not words of a language: units of measure, product and format names.
ALLOWED_EN_IN_ZH = {"CSV", "Excel", "gridops", "km", "min"}


class _Text(HTMLParser):
    def __init__(self, lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def _hidden(self, tag: str, attrs: dict[str, str | None]) -> bool:
        if tag in ("code", "script", "style") or attrs.get("translate") == "no":
            return True
        if attrs.get("id") == "lang":  # the switch names the other language
            return True
        marked = "untr" in (attrs.get("class") or "").split()
        return marked and self.lang == "en" and attrs.get("lang") == "zh-CN"

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = dict(attrs_list)
        hidden = (self.stack[-1][1] if self.stack else False) or self._hidden(tag, attrs)
        if not hidden:
            for name in SHOWN:
                value = attrs.get(name)
                if value:
                    self.parts.append(CODEISH.sub(" ", value) if name in ("title", "label")
                                      else value)  # fmt: skip
        if tag not in VOID:
            self.stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if not (self.stack and self.stack[-1][1]):
            self.parts.append(data)


def visible_text(html: str, lang: str) -> str:
    parser = _Text(lang)
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def foreign_words(html: str, lang: str) -> list[str]:
    """The words of ``html``'s interface that are not in ``lang``: English words on a Chinese
    page (not counting codes and a few units), Chinese on an English page."""
    text = visible_text(html, lang)
    if lang == "en":
        return sorted(set(CJK.findall(text)))
    words = WORD.findall(CODEISH.sub(" ", text))
    return sorted({w for w in words if w not in ALLOWED_EN_IN_ZH})
