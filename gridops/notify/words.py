"""The words of the notifications people receive (中文, English), one template per event kind.

Kept beside the senders (the workers render them; they do not load the console) and merged into
the console's catalogue by :mod:`gridops.web.console.words_notify`.
"""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "notify.dispatch": (
        "【派遣】案卷 {number}（{category}）派给您处置，{due}。",
        "[Dispatch] Case {number} ({category}) is yours to handle, {due}.",
    ),
    "notify.reassign": (
        "【改派】案卷 {number}（{category}）改派给您，{due}。",
        "[Reassigned] Case {number} ({category}) is now yours, {due}.",
    ),
    "notify.check_fail": (
        "【返工】案卷 {number}（{category}）核查未通过，请重新处置，{due}。",
        "[Rework] Case {number} ({category}) failed its check; handle it again, {due}.",
    ),
    "notify.return": (
        "【退单】案卷 {number}（{category}）被退回，请重新派遣。原因：{reason}",
        "[Returned] Case {number} ({category}) was returned; dispatch it again. Reason: {reason}",
    ),
    "notify.overdue": (
        "【超期预警】案卷 {number}（{category}）已超过处置时限，已督办。",
        "[Overdue] Case {number} ({category}) is past its deadline and is now supervised (督办).",
    ),
    "notify.supervise": (
        "【督办】案卷 {number}（{category}）被督办：{reason}",
        "[Supervised] Case {number} ({category}) is supervised: {reason}",
    ),
    "notify.escalate": (
        "【联合执法】案卷 {number}（{category}）升级至联合执法组。",
        "[Joint enforcement] Case {number} ({category}) went to a joint enforcement group.",
    ),
    "notify.verify": (
        "【核实】请核实案卷 {number}（{category}），{due}。",
        "[Verify] Please verify case {number} ({category}), {due}.",
    ),
    "notify.unverifiable": (
        "【无法核实】案卷 {number}（{category}）无法核实，请决定是否立案。",
        "[Unverifiable] Case {number} ({category}) could not be verified; "
        "decide whether to register it.",
    ),
    "notify.escalation-notify": (
        "【预警】案卷 {number}（{category}）按升级策略提醒您关注，{due}。",
        "[Warning] Case {number} ({category}): the escalation policy asks you to look at it, "
        "{due}.",
    ),
    "notify.due": ("时限 {due}", "due {due}"),
    "notify.no_due": ("未计时", "no deadline"),
    "notify.to_lead": (
        "（值班人员均无法通知，转值班长）",
        " (nobody on shift can be reached: sent to the shift lead)",
    ),
    "notify.subject": ("gridops 通知：案卷 {number}", "gridops notice: case {number}"),
}
