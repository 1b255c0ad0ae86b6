"""Categories suggested from what a caller says (12345 受理): keyword rules, no model.

Pure. A category's words are its own names (中文 and English, from the taxonomy) and the
everyday words callers use for it (:data:`KEYWORDS`, seeded from the taxonomy reference's
categories); a longer word that matches outweighs a shorter one ("污水井盖" beats "井盖"), and
every match is kept so the acceptor sees why a category was suggested.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Words callers use, per category code (the taxonomy reference's 部件 and 事件).
KEYWORDS: dict[str, tuple[str, ...]] = {
    "C0101": ("上水井盖", "自来水井盖", "water cover"),
    "C0102": ("污水井盖", "污水", "sewage"),
    "C0103": ("雨水井盖", "雨水井"),
    "C0104": ("雨水箅子", "下水道", "排水口", "积水", "drain", "grate"),
    "C0105": ("电力井盖",),
    "C0106": ("路灯井盖",),
    "C0113": ("消防栓", "消火栓", "消防通道", "hydrant"),
    "C0115": ("电信箱", "交接箱", "cabinet"),
    "C0118": ("路灯", "灯不亮", "路灯坏", "street light", "streetlight", "lamp"),
    "C0121": ("报刊亭", "报亭", "newsstand"),
    "C0201": ("停车场", "car park"),
    "C0203": ("公交站", "站亭", "候车亭", "bus stop", "bus shelter"),
    "C0205": ("天桥", "footbridge"),
    "C0209": ("标志牌", "路牌", "指示牌", "sign"),
    "C0214": ("红绿灯", "信号灯", "traffic light", "signal"),
    "C0301": ("公厕", "厕所", "toilet"),
    "C0305": ("垃圾箱", "垃圾桶", "果壳箱", "bin"),
    "C0307": ("招牌", "牌匾", "广告牌", "signboard"),
    "C0402": ("行道树", "树倒", "树枝", "断枝", "大树", "tree"),
    "C0405": ("绿地", "草坪", "green space", "lawn"),
    "C0501": ("宣传栏", "notice board"),
    "E0101": ("违建", "搭建", "违章建筑", "加层", "illegal construction", "extension"),
    "E0102": ("垃圾", "暴露垃圾", "乱扔", "garbage", "rubbish", "trash", "litter"),
    "E0103": ("渣土", "建筑垃圾", "muck", "rubble"),
    "E0104": ("路面脏", "道路不洁", "油污", "dirty road"),
    "E0105": ("河道", "水面", "漂浮物", "河浜", "waterway", "river"),
    "E0106": ("绿地脏乱",),
    "E0201": ("小广告", "张贴", "牛皮癣", "flyer", "flyers"),
    "E0202": ("户外广告", "横幅", "banner", "billboard"),
    "E0301": ("噪音", "噪声", "扰民", "夜间施工", "noise", "noisy"),
    "E0302": ("扬尘", "灰尘", "dust"),
    "E0304": ("遗撒", "撒落", "spillage"),
    "E0401": ("塌陷", "坍塌", "路面下沉", "大坑", "collapse", "sinkhole", "pothole"),
    "E0403": ("燃气", "煤气", "漏气", "gas"),
    "E0411": ("着火", "火灾", "冒烟", "起火", "fire", "smoke"),
    "E0501": ("无照经营", "游商", "摆摊", "小贩", "vendor", "vending", "hawker"),
    "E0504": ("店外经营", "出店经营", "跨门营业"),
    "E0505": ("乱停", "停车", "违停", "占用车位", "parking", "parked"),
    "E0506": ("占道", "占路", "occupying the road"),
    "E0507": ("堆物", "堆放", "乱堆", "杂物", "piled", "clutter"),
}


@dataclass(frozen=True)
class Suggestion:
    """A category suggested for a description: its code, score and the words that matched."""

    code: str
    score: int
    words: tuple[str, ...]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def category_words(categories: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Every category's words: its names and :data:`KEYWORDS` (only categories that exist)."""
    words: dict[str, tuple[str, ...]] = {}
    for code, cat in categories.items():
        names = [getattr(cat, "zh", ""), getattr(cat, "en", "").split("(")[0].strip()]
        found = [_norm(w) for w in (*names, *KEYWORDS.get(code, ())) if w and len(w) > 1]
        words[code] = tuple(dict.fromkeys(found))
    return words


def suggest(
    description: str, words: Mapping[str, tuple[str, ...]], limit: int = 3
) -> list[Suggestion]:
    """The categories whose words the description uses, best first (score: the length of the
    matched words, so the most specific wins); ties by code."""
    text = _norm(description)
    if not text.strip():
        return []
    found: list[Suggestion] = []
    for code, ws in words.items():
        hits = tuple(w for w in ws if _hit(w, text))
        if hits:
            found.append(Suggestion(code, sum(len(w) for w in hits), hits))
    found.sort(key=lambda s: (-s.score, s.code))
    return found[:limit]


def _hit(word: str, text: str) -> bool:
    """A Chinese word anywhere; an English one as a whole word."""
    if not word.isascii():
        return word in text
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        if not before.isalnum() and not (after.isalnum() and after != "s"):
            return True
        start = text.find(word, start + 1)
    return False
