"""Names and explanations in the reader's language: units (the English name where org.yaml
gives one, else the Chinese one marked), places, categories, actors, and the reasons routing,
the roster and the sweeper store on a ticket (written in English by the domain) re-said from the
catalogue. A reason no pattern knows is shown as it is, marked as English, so the language test
finds it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

from gridops.org.names import name_parts, unit_name

Handler = Callable[["Speaker", dict[str, str]], Markup]
_CJK = re.compile(r"[\u2e80-\U0002ffff]")


def code(text: str) -> Markup:
    return Markup("<code>{}</code>").format(text)


def content(text: str) -> Markup:
    """Text people typed (a name, a reason): shown as it is, never translated."""
    return Markup('<span translate="no">{}</span>').format(text)


@dataclass(frozen=True)
class Speaker:
    """One request's language over the configuration: ``t`` the catalogue, ``ops`` the
    OpsConfig (org, taxonomy, rules), ``grid`` the grid."""

    t: Callable[..., str]
    lang: str
    ops: Any
    grid: Any
    roster: Any = None  # the people's names, where the page names people
    name_of: Callable[[str], str] | None = None  # a user account's own name ("" when none)

    def person(self, unit_id: str | None, person_id: str) -> Markup:
        """A person of ``unit_id`` by their roster name (else their account's), their id beside
        it; the id alone when neither knows them."""
        found = self.roster.staff_of(unit_id) if self.roster is not None and unit_id else ()
        name = next((s.name_in(self.lang) for s in found if s.id == person_id), "")
        if not name and self.name_of is not None:
            name = self.name_of(person_id)
        if not name or name == person_id:
            return code(person_id)
        return Markup('<span translate="no">{}</span> {}').format(name, code(person_id))

    def say(self, key: str, **params: Any) -> Markup:
        """A catalogue entry with ``params`` in place, escaped (Markup params as they are)."""
        return _fill(self.t(key), params)

    def unit(self, unit_id: str | None) -> Markup:
        """The unit's name in the page's language; its id on hover."""
        found = self.ops.org.units.get(unit_id or "")
        if found is None:
            return code(unit_id or "—")
        name = unit_name(found, self.lang)
        if name.lang == self.lang:
            return Markup('<span class="unit" title="{}">{}</span>').format(found.id, name.text)
        return Markup('<span class="unit untr" lang="{}" title="{} · {}">{}</span>').format(
            "zh-CN" if name.lang == "zh" else "en", self.t("untranslated"), found.id, name.text
        )

    def unit_text(self, unit_id: str | None) -> str:
        """The unit's name as plain text (for an input's value)."""
        found = self.ops.org.units.get(unit_id or "")
        return unit_name(found, self.lang).text if found is not None else (unit_id or "")

    def _place(self, cell_code: str | None, short: bool) -> tuple[str, str] | None:
        """(name, its language) of a cell in the page's language — the other language's when
        it has none in this one — or None when the cell has no name."""
        cell = self.grid.cells.get(cell_code or "")
        if cell is None or not cell.name or cell.name == cell.code:
            return None
        zh, other = name_parts(cell.name)
        parent = self.grid.cells.get(cell.parent or "") if short else None
        if parent is not None:
            pzh, pother = name_parts(parent.name or "")
            zh = zh.removeprefix(pzh) or zh
            other = other.removeprefix(pother).strip() or other
        other = other.strip("()（） ")
        if self.lang == "en" and other:
            return other, "en"
        if zh:
            return zh, "zh"
        return (other, "en") if other else None

    def place(self, cell_code: str | None, *, short: bool = False) -> Markup:
        """A cell's name in the page's language (a community without its sub-district's name
        when ``short``); the Chinese name marked when it has none in English; else its code."""
        found = self._place(cell_code, short)
        if found is None:
            return code(cell_code or "—")
        return self._named(*found, cell_code or "")

    def _named(self, text: str, lang: str, title: str) -> Markup:
        """A name, marked (class ``untr`` and its ``lang``) when not in the page's language."""
        if lang == self.lang:
            return Markup('<span title="{}">{}</span>').format(title, text)
        return Markup('<span class="untr" lang="{}" title="{}">{}</span>').format(
            "zh-CN" if lang == "zh" else "en", title, text
        )

    def place_text(self, cell_code: str | None, *, short: bool = False) -> str:
        """:meth:`place` as plain text (its code when it has no name)."""
        found = self._place(cell_code, short)
        return found[0] if found else (cell_code or "")

    def nearby(self, overlays: Any) -> list[Markup]:
        """Names of the overlay cells (a development zone, an expressway) the point lies in."""
        out = []
        for layer, cell_code in overlays or ():
            cell = next((c for c in self.grid.overlays.get(layer, ()) if c.code == cell_code), None)
            if cell is None or not cell.name:
                continue
            zh, other = name_parts(cell.name)
            if self.lang == "en" and other:
                out.append(self._named(other, "en", cell_code))
            else:
                out.append(self._named(zh or other, "zh" if zh else "en", cell_code))
        return out

    def category(self, category_code: str) -> str:
        found = self.ops.taxonomy.categories.get(category_code)
        if found is None:
            return category_code
        return found.en if self.lang == "en" else found.zh

    def role(self, role: str) -> str:
        return self.t(f"role.{role}")

    def actor(self, actor: str, role: str = "") -> Markup:
        """Who did it: a system actor in words, an API client or a user by id."""
        if actor in ("router", "sweeper"):
            return Markup(escape(self.t(f"actor.{actor}")))
        if actor.startswith("apikey:"):
            return Markup("{} {}").format(self.t("actor.apikey"), code(actor[7:]))
        if actor.startswith("sim-"):
            return self.say("actor.sim", role=self.role(actor[4:].replace("citizen", "public")))
        who = code(actor)
        return Markup("{} · {}").format(who, self.role(role)) if role else who

    def rule(self, rule_id: str, fallback: str) -> Markup:
        """What routing rule ``rule_id`` does, in the page's language (routing.yaml's zh/en);
        the description stored with the reason, marked, when the rule has none."""
        rules = self.ops.rules
        found = next((r for r in (*rules.rules, rules.default) if r.id == rule_id), None)
        text = "" if found is None else (found.en if self.lang == "en" else found.zh)
        if text:
            return Markup(escape(text))
        lang = "zh-CN" if _CJK.search(fallback) else "en"
        return Markup('<span class="untr" lang="{}" translate="no">{}</span>').format(
            lang, fallback
        )

    def reason(self, text: str) -> Markup:
        """A stored routing, assignment or system reason in the page's language."""
        for pattern, handler in _REASONS:
            m = pattern.fullmatch(text.strip())
            if m:
                return handler(self, {k: v or "" for k, v in m.groupdict().items()})
        return Markup('<span lang="en" class="untr">{}</span>').format(text)


def _fill(template: str, params: dict[str, Any]) -> Markup:
    """``template`` with ``{name}`` placeholders replaced by escaped ``params``."""
    out = Markup("")
    for i, piece in enumerate(re.split(r"\{(\w+)\}", template)):
        value = params.get(piece, "{" + piece + "}") if i % 2 else piece
        out += value if isinstance(value, Markup) else str(value)
    return out


def _units(s: Speaker, text: str) -> Markup:
    return Markup("、" if s.lang == "zh" else ", ").join(s.unit(u.strip()) for u in text.split(","))


def _step(s: Speaker, step: str) -> Markup:
    for pattern, key in _STEPS:
        m = pattern.fullmatch(step)
        if m:
            g = m.groupdict()
            params: dict[str, Any] = {}
            if "unit" in g:
                params["unit"] = s.unit(g["unit"])
            if "role" in g:
                params["role"] = s.role(g["role"])
            return s.say(key, **params)
    return Markup('<span lang="en" class="untr">{}</span>').format(step)


_STEPS = [
    (re.compile(r"notify the (?P<role>\S+)"), "step.notify"),
    (re.compile(r"flag for supervision \(督办\)"), "step.supervise"),
    (re.compile(r"hand to the unit one level up, (?P<unit>\S+)"), "step.hand_up"),
    (re.compile(r"hand to joint-enforcement group (?P<unit>\S+) \(联合执法\)"), "step.joint_group"),
]


def _r(pattern: str, handler: Handler) -> tuple[re.Pattern[str], Handler]:
    return re.compile(pattern), handler


_REASONS: list[tuple[re.Pattern[str], Handler]] = [
    _r(r"the point is outside every level-1 cell: the district centre assigns it",
       lambda s, g: s.say("why.outside")),
    _r(r"the point is inside level-1 cell (?P<cell>\S+) but in no level-(?P<level>\d+) cell: "
       r"its sub-centre (?P<unit>\S+) assigns it \(属地兜底\)",
       lambda s, g: s.say("why.no_lower_cell", cell=s.place(g["cell"]), level=g["level"],
                          unit=s.unit(g["unit"]))),
    _r(r"default rule matched: (?P<what>.*)",
       lambda s, g: s.say("why.default_rule", rule=code(s.ops.rules.default.id),
                          what=s.rule(s.ops.rules.default.id, g["what"]))),
    _r(r"rule '(?P<id>[^']+)' matched: (?P<what>.*)",
       lambda s, g: s.say("why.rule", rule=code(g["id"]), what=s.rule(g["id"], g["what"]))),
    _r(r"(?P<code>\S+) \S+ is a component: asset owner first, then locality \(先属主后属地\)",
       lambda s, g: s.say("why.component", category=s.category(g["code"]))),
    _r(r"(?P<code>\S+) \S+ is an event: locality first, then owner \(先属地后属主\)",
       lambda s, g: s.say("why.event", category=s.category(g["code"]))),
    _r(r"returned \(退单\) by (?P<units>.+): not sent back there",
       lambda s, g: s.say("why.returned", units=_units(s, g["units"]))),
    _r(r"(?P<n>\d+) returns reach the limit of (?P<max>\d+): (?P<unit>\S+) assigns it by hand",
       lambda s, g: s.say("why.max_returns", n=g["n"], max=g["max"], unit=s.unit(g["unit"]))),
    _r(r"no designated unit: last resort (?P<unit>\S+) \(末位责任制\)",
       lambda s, g: s.say("why.last_resort", unit=s.unit(g["unit"]))),
    _r(r"designated owner \(指定责任制\): (?P<unit>\S+)(?: .*)?",
       lambda s, g: s.say("why.designated", unit=s.unit(g["unit"]))),
    _r(r"follow-up \(首问责任制\): (?P<unit>\S+)",
       lambda s, g: s.say("why.follow_up", unit=s.unit(g["unit"]))),
    _r(r"no staff on the roster in (?P<unit>\S+): left in the unit's queue",
       lambda s, g: s.say("why.no_staff", unit=s.unit(g["unit"]))),
    _r(r"none of (?P<total>\d+) staff on shift in (?P<unit>\S+): left in the unit's queue",
       lambda s, g: s.say("why.none_on_shift", total=g["total"], unit=s.unit(g["unit"]))),
    _r(r"(?P<n>\d+) of (?P<total>\d+) staff of (?P<unit>\S+) on shift",
       lambda s, g: s.say("why.on_shift", n=g["n"], total=g["total"], unit=s.unit(g["unit"]))),
    _r(r"(?P<person>\S+) \((?P<name>.*)\) has the least open work: (?P<n>\d+) ticket\(s\)",
       lambda s, g: s.say("why.least_work", person=content(g["name"] or g["person"]), n=g["n"])),
    _r(r"tie on open work broken by staff id", lambda s, g: s.say("why.tie")),
    _r(r"manual: left in (?P<unit>\S+)'s queue",
       lambda s, g: s.say("why.manual", unit=s.unit(g["unit"]))),
    _r(r"public report: verification task to (?P<unit>\S*) \(核实\)",
       lambda s, g: s.say("why.verify", unit=s.unit(g["unit"]))),
    _r(r"overdue", lambda s, g: s.say("why.overdue")),
    _r(r"escalation policy '(?P<policy>[^']*)': (?P<step>.*)",
       lambda s, g: s.say("why.policy", policy=code(g["policy"]), step=_step(s, g["step"]))),
]  # fmt: skip
