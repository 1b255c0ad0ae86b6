"""A starting configuration for any grid (`gridops init`): org.yaml, routing.yaml, roster.yaml
and calendar.yaml written for the grid's own levels and overlay layers, with comments saying
what to edit next. categories.yaml, escalation.yaml and indicators.yaml are the shipped ones
(the national taxonomy and the usual policies), copied as they are. Pure: facts in, texts out.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

LOCALITY_IDS = {1: "sc", 2: "ws"}  # 城运分中心 sub-centre, 工作站 workstation; deepest: gw
CHINESE_ZONES = {"Asia/Shanghai", "Asia/Chongqing", "Asia/Harbin", "Asia/Urumqi", "PRC"}

DEPARTMENTS = (  # slug, zh, en — every department the shipped categories name
    ("law-enforcement", "城市管理行政执法局", "City management law enforcement"),
    ("greening", "绿化和市容管理局", "Greening and city appearance"),
    ("housing", "建设管理部门", "Housing and construction"),
    ("transport", "交通管理部门", "Transport"),
    ("water", "水务局", "Water affairs"),
    ("public-security", "公安分局", "Public security"),
    ("market", "市场监督管理局", "Market supervision"),
    ("ecology", "生态环境局", "Ecology and environment"),
    ("planning-land", "规划和自然资源局", "Planning and natural resources"),
    ("fire", "消防救援支队", "Fire and rescue"),
    ("lighting", "路灯管理所", "Street lighting"),
    ("power", "供电公司", "Power supply company"),
    ("telecom", "电信公司", "Telecom company"),
    ("civil-defence", "民防办公室", "Civil defence office"),
)
JOINT_GROUPS = """\
joint_groups:               # 联合执法组: the shipped taxonomy's categories name these four
  - slug: illegal-construction
    zh: 违法建筑整治联合执法组
    en: Illegal construction joint enforcement
    lead: dept-law-enforcement
    members: [dept-law-enforcement, dept-planning-land, dept-housing]
  - slug: street-order
    zh: 街面秩序联合执法组
    en: Street order joint enforcement
    lead: dept-law-enforcement
    members: [dept-law-enforcement, dept-market, dept-public-security]
  - slug: construction-site
    zh: 工地管理联合执法组
    en: Construction site joint enforcement
    lead: dept-housing
    members: [dept-housing, dept-ecology, dept-law-enforcement]
  - slug: emergency
    zh: 突发事件联合处置组
    en: Emergency joint response
    lead: dept-public-security
    members: [dept-public-security, dept-fire, dept-housing, dept-water]
"""


def locality_prefix(level: int, levels: int) -> str:
    """The id prefix of the locality units of ``level``: sc, ws, …, gw for the deepest."""
    return "gw" if level == levels and levels > 1 else LOCALITY_IDS.get(level, f"l{level}")


def org_yaml(city: str, levels: int, overlays: Mapping[str, Sequence[str]]) -> str:
    """org.yaml: a centre, a locality unit per cell of every level, departments with a branch
    per level-1 cell, the joint groups, and one owner per overlay layer."""
    out = [
        f"# Organisation (组织架构) of {city}, written by `gridops init`; templates expand per",
        "# cell.",
        "# Edit next: the centre's names; the departments you have (and their branches); each",
        "# overlay layer's owner(s). Placeholders: {code} {name} {name_zh} {name_en}.",
        "",
        "centre:",
        "  id: district-centre",
        f"  zh: {json.dumps(city + '城市运行管理中心', ensure_ascii=False)}",
        f"  en: {json.dumps(city + ' city operations centre', ensure_ascii=False)}",
        "",
        "localities:                 # one unit per cell of each level",
    ]
    words = {1: ("城运分中心", "operations sub-centre"), 2: ("工作站", "workstation")}
    for level in range(1, levels + 1):
        prefix = locality_prefix(level, levels)
        zh, en = words.get(level, (f"第{level}级网格站", f"level-{level} post"))
        if prefix == "gw":
            zh, en = "网格员", "grid-worker post"
        out += [
            f"  - level: {level}",
            f'    id: "{prefix}-{{code}}"',
            f'    zh: "{{name}}{zh}"',
            f'    en: "{{name}} {en}"',
        ]
        if level == levels:
            out.append("    field_staff: true")
    out += ["", "departments:                # 职能部门; a branch per level-1 cell (dept-x@code)"]
    for slug, zh, en in DEPARTMENTS:
        out += [
            f"  - slug: {slug}",
            f"    zh: {zh}",
            f"    en: {en}",
            '    branches: {zh: "{dept_zh}{name}分部", en: "{dept_en}, {name} branch"}',
        ]
    out += ["", JOINT_GROUPS.rstrip()]
    if overlays:
        out += ["", "overlay_owners:             # 属主: who owns the cells of each overlay layer"]
        for layer, cells in overlays.items():
            codes = ", ".join(json.dumps(c, ensure_ascii=False) for c in cells)
            out += [
                f"  - id: {json.dumps(f'owner-{layer}', ensure_ascii=False)}",
                f"    zh: {json.dumps(f'{layer}管理单位', ensure_ascii=False)}",
                f"    en: {json.dumps(f'{layer} owner', ensure_ascii=False)}"
                "   # edit: the real owner; one entry per owner if several",
                f"    layer: {json.dumps(layer, ensure_ascii=False)}",
                f"    cells: [{codes}]",
            ]
    return "\n".join(out) + "\n"


def routing_yaml(levels: int) -> str:
    """routing.yaml: emergencies to the departments, and an explicit default (属地/属主)."""
    top = "{locality: 1}"
    return f"""\
# Routing rules (派遣规则), written by `gridops init`: ordered, the first match wins, the
# default catches the rest. Edit next: add rules for your city (see the worked Pudong example,
# gridops/defaults/config/routing.yaml, for cells, overlays, sources and hours conditions).
max_returns: 2   # after this many returns (退单) the level-1 sub-centre assigns by hand

rules:
  - id: emergency
    description: emergencies go straight to the departments, the level-1 sub-centre watching
    zh: 突发事件直接派给职能部门，分中心跟进
    en: "emergencies go straight to the departments, the sub-centre watching"
    match: {{class: E04}}
    targets: [department, {top}]
    pool: field_staff

default:
  id: default
  description: "no specific rule: asset owner first for components, locality first for events"
  zh: 无专门规则：部件先属主后属地，事件先属地后属主
  en: "no specific rule: asset owner first for components, locality first for events"
  targets: [auto]   # the level-{max(1, levels - 1)} unit, or the level-{levels} post on site
"""


def calendar_yaml(timezone: str) -> str:
    """calendar.yaml: the city's one time zone and its working periods."""
    statutory = "chinese_calendar" if timezone in CHINESE_ZONES else "none"
    return f"""\
# Work calendar (工作日历), written by `gridops init`. Its timezone is the city's one time zone:
# deadlines, reports, rosters and imports all use it (GRIDOPS_TIMEZONE may only repeat it).
# Edit next: working periods, weekend, and your public holidays (holidays: [YYYY-MM-DD, …]).
timezone: {timezone}
working_periods:            # local time, in order
  - ["08:00", "12:00"]
  - ["14:00", "18:00"]
weekend: [saturday, sunday]
statutory: {statutory}       # chinese_calendar | none
holidays: []                # extra days off, YYYY-MM-DD
workdays: []                # extra working days, YYYY-MM-DD; win over holidays
"""


def roster_yaml(levels: int) -> str:
    """roster.yaml: templates that staff every locality and branch (no named people yet)."""
    posts = [
        f'  - {{units: "{locality_prefix(lv, levels)}-*", pattern: day, staff: 2, '
        'name: "{unit}-{n}"}'
        for lv in range(2, levels + 1)
    ]
    lines = "\n".join(posts)
    return f"""\
# Rosters (排班), written by `gridops init`: templates give every matching unit its staff.
# Edit next: the numbers per unit, and your named people under staff: (id, name, unit, pattern).
patterns:
  day: {{kind: day, start: "08:30", end: "17:30"}}
  duty-desk: {{kind: always}}

templates:
{lines}
  - {{units: "sc-*", pattern: duty-desk, staff: 1, name: "{{unit}}-{{n}}"}}
  - {{units: "dept-*@*", pattern: day, staff: 3, name: "{{unit}}-{{n}}"}}

staff: []
"""
