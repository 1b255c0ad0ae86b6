"""The console's words for the supervisor's desk (中文, English): the period picker, the
groupings, sorting, exports, and each indicator's definition (from the reference list of
评价指标). Merged into :data:`gridops.web.console.i18n.CATALOGUE`."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "sv.grouping": ("分组", "Group by"),
    "sv.by_person": ("按处置人", "By person"),
    "sv.parent": ("上级网格", "Parent cell"),
    "sv.sort": ("排序", "Sort"),
    "sv.code": ("编码", "Code"),
    "sv.span.today": ("今日", "Today"),
    "sv.span.week": ("本周", "This week"),
    "sv.span.month": ("本月", "This month"),
    "sv.span.range": ("自定义区间", "Custom range"),
    "sv.start": ("开始日期", "From"),
    "sv.end": ("结束日期", "To"),
    "sv.staff_n": ("{unit} 处置人员{n}", "{unit} staff {n}"),
    "sv.export_xlsx": ("导出 Excel", "Export Excel"),
    "sv.definitions": ("指标定义", "What the indicators mean"),
    "sv.league_top": ("前 {n} 名", "top {n}"),
    "sv.rows_info": (
        "第 {page}/{pages} 页 · 共 {total} 行 · 显示第 {first}–{last} 行",
        "Page {page} of {pages} · {total} rows · showing {first}–{last}",
    ),
    "sv.list_info": (
        "共 {total} 件 · 第 {page}/{pages} 页",
        "{total} in all · page {page} of {pages}",
    ),
    "sv.first_of": ("共 {total} 件，显示前 {n} 件", "{total} in all, the first {n} shown"),
    "err.sv_day": (
        "{field}「{value}」不是日期，请按 2026-11-01 的格式填写",
        "The {field} “{value}” is not a date; write it as 2026-11-01",
    ),
    "err.sv_order": (
        "结束日期 {end} 早于开始日期 {start}",
        "The last day {end} is before the first day {start}",
    ),
    "def.registration_rate": ("立案数 / 受理的上报数", "registered / accepted reports"),
    "def.dispatch_accuracy": (
        "(派遣数 − 以非本单位职责退回数) / 派遣数",
        "(dispatched − returned as not responsible) / dispatched",
    ),
    "def.on_time_dispatch": (
        "在派遣时限内派遣数 / 派遣数",
        "dispatched within the dispatch limit / dispatched",
    ),
    "def.handling_rate": ("已处置数 / 应处置数", "handled / due for handling"),
    "def.on_time_handling": (
        "时限内处置数 / 应处置数",
        "handled before the deadline / due for handling",
    ),
    "def.close_rate": ("结案数 / 应结案数", "closed / due to close"),
    "def.on_time_close": ("按期结案数 / 应结案数", "closed on time / due to close"),
    "def.rework_rate": ("核查不通过返工数 / 已处置数", "sent back after a failed check / handled"),
    "def.onsite_resolution": (
        "现场自行解决数(未经中心派遣) / 解决数",
        "resolved on site without central dispatch / all resolved",
    ),
    "def.escalation_rate": (
        "升级联合执法数 / 派遣数",
        "escalated to joint enforcement / dispatched",
    ),
    "def.supervision_rate": ("督办数 / 派遣数", "flagged for supervision / dispatched"),
    "def.satisfaction": ("回访满意数 / 回访数", "satisfied call-backs / call-backs made"),
    "def.valid_report_rate": (
        "监督员有效上报数 / 监督员上报数",
        "valid inspector reports / inspector reports",
    ),
}
