"""The console's words in 中文 (default) and English: a small catalogue, ``?lang=en`` + a cookie.

Every label a page shows is a key here; ``t(key)`` falls back to the key itself so a missing
entry is visible on the page instead of breaking it.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup, escape

from gridops.tickets.model import Status
from gridops.web.console.words import WORDS
from gridops.web.console.words_addresses import WORDS as ADDRESS_WORDS
from gridops.web.console.words_field import WORDS as FIELD_WORDS
from gridops.web.console.words_map import WORDS as MAP_WORDS
from gridops.web.console.words_notify import WORDS as NOTIFY_WORDS
from gridops.web.console.words_super import WORDS as SUPER_WORDS
from gridops.web.console.words_tiles import WORDS as TILE_WORDS

LANGS = ("zh", "en")
DEFAULT = "zh"
LANG_COOKIE = "gridops_lang"

CATALOGUE: dict[str, tuple[str, str]] = {
    "app": ("网格化管理 运行台", "gridops console"),
    "login": ("登录", "Sign in"),
    "logout": ("退出", "Sign out"),
    "token": ("访问令牌", "Access token"),
    "token_help": ("由管理员用 {command} 生成的令牌", "The token an admin made with {command}"),
    "bad_token": ("令牌无效或用户已停用", "The token is not valid or its user is inactive"),
    "expired_token": (
        "令牌已过期, 请向管理员申请新令牌",
        "The token has expired; ask an admin for a new one",
    ),
    "switch_lang": ("English", "中文"),
    "dispatch": ("派遣台", "Dispatch"),
    "field": ("我的任务", "My tasks"),
    "supervise": ("考核监督", "Supervision"),
    "queue.new": ("待派遣", "New"),
    "queue.returned": ("退单", "Returned"),
    "queue.overdue": ("超时", "Overdue"),
    "queue.escalated": ("联合执法", "Escalated"),
    "queue.supervised": ("督办", "Supervised"),
    "queue.handled": ("待核查", "To check"),
    "queue.open": ("全部在办", "All open"),
    "search.found": (
        "案件 {number} 当前为「{status}」，不在此列表中。",
        "Case {number} is {status}: not in this list.",
    ),
    "search.open": ("打开案件", "Open it"),
    "filters": ("筛选", "Filters"),
    "category": ("类别", "Category"),
    "cell": ("网格", "Cell"),
    "apply": ("应用", "Apply"),
    "clear": ("清除", "Clear"),
    "map": ("网格地图", "Grid map"),
    "level": ("层级", "Level"),
    "level.1": ("街镇", "Sub-district"),
    "level.2": ("居村", "Community"),
    "level.3": ("单元网格", "Unit cell"),
    "pick_l1": (
        "单元网格只显示所选街镇：先点一个街镇",
        "Unit cells are drawn for one sub-district: click one first",
    ),
    "open_tickets": ("在办案件", "open tickets"),
    "number": ("案卷号", "Case no."),
    "status": ("状态", "Status"),
    "owner": ("责任单位", "Owner unit"),
    "assignee": ("处置人", "Assignee"),
    "deadline": ("时限", "Deadline"),
    "reported_at": ("上报时间", "Reported"),
    "description": ("描述", "Description"),
    "none": ("无", "none"),
    "empty": ("暂无案件", "No tickets"),
    "detail": ("案卷详情", "Ticket detail"),
    "routing": ("派遣依据", "Routing decision"),
    "rule": ("规则", "Rule"),
    "reasons": ("理由", "Reasons"),
    "candidates": ("候选单位", "Candidates"),
    "timeline": ("流转记录", "Timeline"),
    "actor": ("操作人", "Actor"),
    "event": ("环节", "Event"),
    "time": ("时间", "Time"),
    "actions": ("操作", "Actions"),
    "reporter": ("上报人", "Reporter"),
    "photos": ("照片", "Photos"),
    "note": ("说明", "Note"),
    "reason": ("原因", "Reason"),
    "unit": ("单位", "Unit"),
    "do.dispatch": ("派遣", "Dispatch"),
    "do.reassign": ("改派", "Reassign"),
    "do.escalate": ("联合执法", "Escalate to joint enforcement"),
    "do.void": ("作废", "Void"),
    "do.merge": ("合并重复", "Merge as duplicate"),
    "do.supervise": ("督办", "Flag supervision"),
    "do.accept": ("签收", "Accept"),
    "do.return": ("退单", "Return"),
    "do.done": ("处理反馈", "Report done"),
    "do.check_pass": ("核查通过", "Check: pass"),
    "do.check_fail": ("核查不通过(返工)", "Check: fail (rework)"),
    "do.callback": ("回访评价", "Record call-back"),
    "do.suspend": ("缓办(暂停计时)", "Suspend (pause the clock)"),
    "do.resume": ("恢复办理", "Resume"),
    "do.extend": ("延期", "Extend the deadline"),
    "do.force_close": ("强制结案", "Force close"),
    "do.reopen": ("申诉重办", "Reopen on appeal"),
    "approval": ("审批人/审批单号", "Approved by (approver or approval no.)"),
    "amount": ("延长时长", "Extra time"),
    "limit.hours": ("小时", "hours"),
    "limit.working_hours": ("工作小时", "working hours"),
    "limit.working_days": ("工作日", "working days"),
    "limit.days": ("自然日", "days"),
    "do.onsite": ("自行处置上报", "Self-report an on-site fix"),
    "verifications": ("核实任务", "Verification tasks"),
    "verify_hint": (
        "到现场核实：问题是否存在？附说明和照片",
        "On site: does the problem exist? Add a note and photos",
    ),
    "do.verify_exists": ("属实", "Exists"),
    "do.verify_absent": ("不属实(不予立案)", "Does not exist (not registered)"),
    "do.verify_unverifiable": ("无法核实", "Cannot verify"),
    "do.register": ("立案", "Register"),
    "do.verify": ("派核实", "Send for verification"),
    "confirm_absent": (
        "确认问题不存在，不予立案（不可撤销）",
        "I confirm the problem does not exist: it will not be registered (cannot be undone)",
    ),
    "verification_reason": ("核实情况", "What was found"),
    "duplicate_of": ("重复于案卷号", "Duplicate of (case no.)"),
    "merge_reason": ("合并理由(类别不同时必填)", "Reason (needed across categories)"),
    "group": ("联合执法组", "Joint-enforcement group"),
    "satisfaction": ("满意度(1-5)", "Satisfaction (1-5)"),
    "lon": ("经度", "Longitude"),
    "lat": ("纬度", "Latitude"),
    "locate_me": ("使用我的位置", "Use my location"),
    "left": ("剩余", "left"),
    "late": ("已超时", "overdue by"),
    "no_deadline": ("未计时", "no deadline"),
    "clock.paused": ("已暂停计时(缓办)", "clock paused (suspended)"),
    "clock.done_on_time": ("按期办结", "done on time"),
    "clock.done_late": ("超期办结", "done late"),
    "done_ok": ("已完成", "Done"),
    "indicators": ("评价指标", "Indicators"),
    "by_unit": ("按单位", "By unit"),
    "by_level": ("按网格层级", "By grid level"),
    "league": ("排行榜", "League table"),
    "grade": ("等级", "Grade"),
    "score": ("综合评分", "Score"),
    "trend": ("周趋势", "Weekly trend"),
    "overdue_list": ("超时清单", "Overdue list"),
    "audit": ("抽查", "Audit sample"),
    "to_check": ("待核查", "To check"),
    "to_callback": ("待回访", "Awaiting call-back"),
    "export": ("导出 CSV", "Export CSV"),
    "period": ("统计周期", "Period"),
    "min_n_note": ("样本不足 {n} 件不评等级", "No grade below n = {n}"),
    "drill": ("下钻", "Drill down"),
    "up": ("返回上级", "Up one level"),
    "name": ("名称", "Name"),
    "forbidden": ("无权访问", "Not allowed"),
    "not_found": ("未找到", "Not found"),
    "conflict": ("无法执行", "Cannot do that now"),
    "bad_request": ("输入有误", "Bad input"),
    "unavailable": ("暂时无法服务", "Temporarily unavailable"),
    "db_busy": (
        "数据库正忙于另一写入，本次未保存任何内容，请 {n} 秒后重试",
        "The database is busy with another write; nothing was saved. Try again in {n} s",
    ),
    "db_down": (
        "暂时无法连接数据库，本次未保存任何内容，请 {n} 秒后重试",
        "The database cannot be reached just now; nothing was saved. Try again in {n} s",
    ),
    "back": ("返回", "Back"),
    "updated": ("自动刷新", "live"),
    "week": ("周", "Week"),
}
for _s, _zh in {
    Status.REPORTED: "已上报",
    Status.VERIFYING: "核实中",
    Status.VERIFIED: "已立案",
    Status.UNVERIFIED: "无法核实",
    Status.DISPATCHED: "已派遣",
    Status.ACCEPTED: "已签收",
    Status.RETURNED: "已退单",
    Status.ESCALATED: "联合执法",
    Status.REWORK: "返工",
    Status.SUSPENDED: "缓办",
    Status.HANDLED: "已处理",
    Status.CLOSED: "已结案",
    Status.EVALUATED: "已评价",
    Status.VOID: "已作废",
    Status.DUPLICATE: "重复合并",
}.items():
    CATALOGUE[f"status.{_s.value}"] = (_zh, _s.value)


#: Timeline labels: one per workflow action (tests check that none is missing).
EVENT_LABELS = {
    "report": ("上报", "reported"),
    "verify": ("核实派发", "sent for verification"),
    "verified": ("核实属实", "verified"),
    "verified_absent": ("核实不属实(不予立案)", "verified absent (not registered)"),
    "unverifiable": ("无法核实", "could not be verified"),
    "register": ("立案", "registered"),
    "dispatch": ("派遣", "dispatched"),
    "accept": ("签收", "accepted"),
    "return": ("退单", "returned"),
    "handle": ("处理反馈", "reported done"),
    "onsite_resolve": ("现场处置", "fixed on site"),
    "check_pass": ("核查通过", "check passed"),
    "check_fail": ("核查不通过(返工)", "check failed (rework)"),
    "escalate": ("联合执法", "escalated to joint enforcement"),
    "suspend": ("缓办", "suspended"),
    "resume": ("恢复办理", "resumed"),
    "extend": ("延期", "extended"),
    "void": ("作废", "voided"),
    "merge_duplicate": ("合并为重复", "merged as duplicate"),
    "absorb_duplicate": ("收到重复上报", "duplicate report absorbed"),
    "supervise": ("督办", "flagged for supervision"),
    "force_close": ("强制结案", "force-closed"),
    "evaluate": ("评价", "evaluated"),
    "reopen": ("申诉重办", "reopened on appeal"),
    "reassign": ("改派", "reassigned"),
    "erase_contact": ("删除上报人信息", "reporter contact erased"),
}
for _action, _pair in EVENT_LABELS.items():
    CATALOGUE[f"event.{_action}"] = _pair
# every word module once: a key defined twice is a mistake, caught at import
for _name, _words in (
    ("console", WORDS),
    ("field app", FIELD_WORDS),
    ("notify", NOTIFY_WORDS),
    ("addresses", ADDRESS_WORDS),
    ("supervisor", SUPER_WORDS),
    ("map", MAP_WORDS),
    ("map tiles", TILE_WORDS),
):
    _twice = CATALOGUE.keys() & _words.keys()
    assert not _twice, f"{_name} words defined twice: {sorted(_twice)}"
    CATALOGUE.update(_words)


def pick_lang(query: str | None, cookie: str | None) -> str:
    """``?lang=`` wins, then the cookie, then 中文."""
    for value in (query, cookie):
        if value in LANGS:
            return value
    return DEFAULT


class Typed(str):
    """Text a person typed, quoted in a message as it is: marked so it is never taken for (or
    translated as) the interface's own words."""


def translator(lang: str) -> Callable[..., str]:
    """``t(key, **fmt)`` in ``lang``; unknown keys come back as themselves. With a
    :class:`Typed` (or Markup) value the message is HTML (Markup), the typed text marked
    ``translate="no"``."""
    index = LANGS.index(lang) if lang in LANGS else 0

    def t(key: str, **fmt: object) -> str:
        pair = CATALOGUE.get(key)
        text = pair[index] if pair else key
        if not fmt:
            return text
        if any(isinstance(v, Typed | Markup) for v in fmt.values()):
            marked = {k: Markup('<span translate="no">{}</span>').format(v)
                      if isinstance(v, Typed) else v for k, v in fmt.items()}  # fmt: skip
            return Markup(escape(text)).format(**marked)
        return text.format(**fmt)

    return t
