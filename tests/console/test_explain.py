"""Every reason the domain writes on a ticket — routing's for every category in several places
and after returns, the roster's, the sweeper's escalation steps — is re-said from the catalogue
in both languages (none is left as the domain's English), and unit names follow the language."""

from __future__ import annotations

from datetime import time

from gridops.org import RoutingFacts, route
from gridops.org.roster import assign
from gridops.services.context import ServiceContext
from gridops.web.console.explain import Speaker
from gridops.web.console.i18n import translator

from .conftest import NOW

UNKNOWN = 'class="untr">'  # how a reason no pattern knows is shown


def speakers(ctx: ServiceContext) -> list[Speaker]:
    return [Speaker(translator(lang), lang, ctx.ops, ctx.grid) for lang in ("zh", "en")]


def test_every_routing_and_roster_reason_is_said_in_both_languages(ctx: ServiceContext) -> None:
    l3s = ["310115005001001", "310115125001001", "310115144001001"]
    reasons: set[str] = set()
    for code in ctx.ops.taxonomy.categories:
        for l3 in l3s:
            cells = (l3[:9], l3[:12], l3)
            for facts in (
                RoutingFacts(category=code, cells=cells, local_time=time(10)),
                RoutingFacts(category=code, cells=cells[:1], local_time=time(23)),
                RoutingFacts(category=code, cells=(), source="grid_worker"),
                RoutingFacts(
                    category=code,
                    cells=cells,
                    overlays=(("devzone", "zhangjiang"),),
                    returned_by=frozenset({f"gw-{l3}", f"sc-{l3[:9]}"}),
                ),  # fmt: skip
            ):
                decision = route(ctx.ops, facts)
                reasons |= set(decision.reasons)
                picked = assign(ctx.roster, decision.owner_unit, NOW, {}, lambda d: True)
                reasons |= set(picked.reasons)
    reasons |= {"overdue", "escalation policy 'standard': flag for supervision (督办)",
                "escalation policy 'urgent': hand to the unit one level up, sc-310115005",
                "escalation policy 'urgent': notify the supervisor",
                "escalation policy 'x': hand to joint-enforcement group jeg-emergency (联合执法)",
                "manual: left in sc-310115005's queue",
                "public report: verification task to gw-310115005001001 (核实)"}  # fmt: skip
    assert len(reasons) > 30
    for say in speakers(ctx):
        unknown = [r for r in sorted(reasons) if UNKNOWN in say.reason(r)]
        assert unknown == [], say.lang


def test_units_and_places_follow_the_language(ctx: ServiceContext) -> None:
    zh, en = speakers(ctx)
    assert "陆家嘴街道城运分中心" in zh.unit("sc-310115005")
    assert "Lujiazui operations sub-centre" in en.unit("sc-310115005")
    assert zh.place_text("310115005") == "陆家嘴街道" and en.place_text("310115005") == "Lujiazui"
    assert en.place_text("310115005001", short=True) == "community 1"
    assert zh.place_text("310115005001", short=True) == "第1居委"
    assert "<code>no-such-unit</code>" in zh.unit("no-such-unit")
    assert "Rule" in en.reason("rule 'street-order' matched: whatever was stored")
    assert "街面秩序先属地" in zh.reason("rule 'street-order' matched: whatever was stored")
