"""The console's words for addresses and the hotline desk (12345 受理), in 中文 and English.
Merged into :data:`gridops.web.console.i18n.CATALOGUE`."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "address": ("地址", "Address"),
    "areas": ("所在区域", "Within"),  # the named places (overlays) a ticket lies in
    "address_near": ("{address}附近（约{metres}米）", "near {address} (~{metres} m)"),
    "hotline": ("热线受理", "Hotline intake"),
    "hotline.caller": ("来电人", "Caller"),
    "hotline.phone": ("来电号码", "Caller's number"),
    "hotline.name": ("来电人姓名", "Caller's name"),
    "hotline.private": (
        "号码和姓名是个人信息，只有派遣员和考核员可见。",
        "The number and name are personal data: only dispatchers and supervisors see them.",
    ),
    "hotline.place": ("地点", "Place"),
    "hotline.address": ("地址（按来电人所说）", "Address (as the caller says it)"),
    "hotline.address_help": ("如：张江镇科苑路88号", "e.g. 88 Keyuan Road, Zhangjiang"),
    "hotline.problem": ("诉求", "Problem"),
    "hotline.candidates": ("候选地址", "Address candidates"),
    "hotline.type_address": (
        "输入地址后显示候选地址及所在网格。",
        "Type the address to see candidates and their cells.",
    ),  # noqa: E501
    "hotline.no_candidates": (
        "地址库中没有相近的地址，请核对地址或询问附近的路名、门牌。",
        "No address like it in the address database: check it, or ask for a nearby road and number.",  # noqa: E501
    ),
    "hotline.score": ("匹配度 {score}", "match {score}"),
    "hotline.because": ("依据：{words}", "because of: {words}"),
    "hotline.other": ("其他类别", "Another category"),
    "hotline.repeats": (
        "该来电人在此地点有 {count} 件未结案件",
        "Open tickets of this caller at this place: {count}",
    ),
    "hotline.repeats_help": (
        "如为同一问题，请勿重复受理：打开案件补充说明。",
        "If it is the same problem, do not take it twice: open the ticket and add to it.",
    ),
    "hotline.look": ("查找", "Look up"),
    "hotline.take": ("受理", "Take the call"),
    "done.hotline": ("已受理，案卷号 {number}", "Call taken: case {number}"),
    "err.hotline.phone_bad": (
        "来电号码只能包含数字、空格、“-”和开头的“+”",
        "The caller's number may hold only digits, spaces, '-' and a leading '+'",
    ),
    "err.hotline.address_missing": ("请填写地址", "Type the address"),
    "err.hotline.address_unknown": (
        "地址库中找不到此地址，请核对或询问附近的路名、门牌",
        "This address is not in the address database: check it, or ask for a nearby road and number",  # noqa: E501
    ),
    "err.hotline.address_ambiguous": (
        "地址不唯一，请在候选地址中选择一个",
        "The address matches several: choose one of the candidates",
    ),
    "err.hotline.address_loading": (
        "地址库正在载入，请几秒后再查找或受理",
        "The address database is still loading: look up or take the call again in a few seconds",  # noqa: E501
    ),
    "err.hotline.description_missing": ("请填写诉求描述", "Describe the problem"),
    "err.hotline.category_missing": ("请选择类别", "Choose a category"),
}
