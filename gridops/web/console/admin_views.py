"""The admin pages (系统管理, role admin): users (add, disable / enable, a new token, role and
unit picked by name), Open311 API keys (add with an optional lifetime, revoke) — a token or key
shown once, on the page that made it — and the account log, paged. The same account functions
and permission checks as the JSON admin API; every form carries the session's CSRF token; a
refusal is the page again with the message beside the field and what was typed kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from gridops.errors import UserError
from gridops.org.names import unit_name
from gridops.services.access import access_page
from gridops.tickets import Role
from gridops.web.console.pages import done, html_errors, render, signed_in
from gridops.web.console.pickers import resolve_unit
from gridops.web.console.session import check_csrf
from gridops.web.permissions import Action, Principal, require
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
ROLES = tuple(r.value for r in Role if r.value not in ("system", "public"))
LOG_PER_PAGE = 50
ALL_WORDS = ("all", "全部", "全部单位")


async def _fields(request: Request, *names: str) -> dict[str, str]:
    form = await request.form()
    return {n: " ".join(str(form.get(n) or "").split())[:200] for n in names}


def _t(request: Request) -> tuple[str, Callable[..., str]]:
    from gridops.web.console.i18n import translator
    from gridops.web.console.pages import lang_of

    lang = lang_of(request)
    return lang, translator(lang)


def _units_label(state: WebState, units: Any, lang: str, t: Callable[..., str]) -> Markup:
    """A user's units by name in ``lang`` (a name only in Chinese marked as such)."""
    if units == "all":
        return Markup(escape(t("adm.all_units")))
    org, parts = state.ctx.ops.org, []
    for u in sorted(units):
        name = unit_name(org.units[u], lang) if u in org.units else None
        if name is None or name.lang == lang:
            parts.append(escape(name.text if name else u))
        else:
            parts.append(Markup('<span class="untr" lang="zh-CN">{}</span>').format(name.text))
    return Markup("、" if lang == "zh" else ", ").join(parts)


#: The account log's payload keys and the catalogue's label for each.
_DETAIL = {"name": "adm.user_name", "role": "adm.role", "units": "adm.units",
           "active": "adm.active", "token_hint": "adm.hint", "hint": "adm.hint",
           "expires_at": "adm.expires"}  # fmt: skip


def log_details(state: WebState, payload: dict[str, Any], lang: str,
                t: Callable[..., str]) -> list[tuple[str, Any, bool]]:  # fmt: skip
    """An account-log entry's content in words (角色 派遣员, 所属单位 by name), not as keys:
    (label, value, whether the value is data shown as typed — a name, a token's end)."""
    from datetime import datetime

    out: list[tuple[str, Any, bool]] = []
    for key, value in payload.items():
        if key == "before":
            continue
        shown: Any = value
        if key == "role":
            shown = t(f"role.{value}")
        elif key == "units":
            shown = _units_label(state, value, lang, t)
        elif key == "active":
            shown = t("adm.on" if value else "adm.off")
        elif key == "expires_at" and value:
            shown = datetime.fromisoformat(value).astimezone(state.tz).strftime("%Y-%m-%d %H:%M")
        verbatim = key not in ("role", "units", "active")
        out.append((t(_DETAIL[key]) if key in _DETAIL else key, shown, verbatim))
    return out


def _users_page(request: Request, state: WebState, me: Principal, *, status: int = 200,
                errors: dict[str, str] | None = None, typed: dict[str, str] | None = None,
                secret: tuple[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    lang, t = _t(request)
    users = [
        {
            "u": u,
            "units": _units_label(state, u.units, lang, t),
            "expired": u.expired(state.now()),
            "typed_units": "all"
            if u.units == "all"
            else "、".join(
                unit_name(state.ctx.ops.org.units[x], "zh").text
                if x in state.ctx.ops.org.units
                else x
                for x in sorted(u.units)
            ),
        }  # fmt: skip
        for u in state.accounts.list_users()
    ]
    return render(request, state, "admin_users.html", me=me, users=users, roles=ROLES,
                  errors=errors or {}, typed=typed or {}, secret=secret,
                  status=status)  # fmt: skip


def _units_of(state: WebState, typed: str, role: str, lang: str, t: Callable[..., str]) -> Any:
    """The unit scope typed by name: ``all`` / 全部, or one unit found by its name."""
    if typed.casefold() in ALL_WORDS:
        return "all"
    if not typed and role == Role.ADMIN.value:
        return []
    found = resolve_unit(state.ctx.ops.org, typed, lang, t, kinds=None)
    if found.unit is None:
        raise _FieldError("units", found.error)
    return [found.unit]


def _refusal(e: UserError, t: Callable[..., str]) -> tuple[str, str]:
    """(field, message in the reader's language) of an account change refused."""
    text = str(e)
    if "already exists" in text:
        return ("name" if "API key" in text else "id"), t("adm.exists")
    if "lifetime" in text:
        return "expires", t("adm.bad_lifetime")
    if "not usable" in text:
        return ("name" if "API key" in text else "id"), t("adm.bad_id")
    if "unit" in text:
        return "units", t("adm.bad_units")
    return "id", t("err.input")


class _FieldError(Exception):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name, self.message = name, message


@router.get("/console/admin/users", response_class=HTMLResponse)
@html_errors
def users_page(request: Request, state: State) -> HTMLResponse:
    me = signed_in(state, request)
    require(me, Action.MANAGE_USERS)
    return _users_page(request, state, me)


@router.post("/console/admin/users", response_class=HTMLResponse)
@html_errors
async def add_user(request: Request, state: State) -> Response:
    fields = await _fields(request, "csrf", "id", "name", "role", "units", "expires")
    return await run_in_threadpool(_add_user, request, state, fields)


def _add_user(request: Request, state: WebState, fields: dict[str, str]) -> Response:
    from gridops.web.auth import create_user

    me = signed_in(state, request)
    require(me, Action.MANAGE_USERS)
    check_csrf(request, fields["csrf"])
    lang, t = _t(request)
    errors: dict[str, str] = {}
    if not fields["id"]:
        errors["id"] = t("err.required", field=t("adm.user_id"))
    if fields["role"] not in ROLES:
        errors["role"] = t("err.required", field=t("adm.role"))
    try:
        units = _units_of(state, fields["units"], fields["role"], lang, t)
    except _FieldError as e:
        errors[e.name] = e.message
    if errors:
        return _users_page(request, state, me, status=400, errors=errors, typed=fields)
    try:
        user, token = create_user(
            state.accounts, fields["id"], name=fields["name"], role=fields["role"], units=units,
            now=state.now(), org=state.ctx.ops.org, actor=me.user_id,
            expires=fields["expires"] or None,
        )  # fmt: skip
    except UserError as e:
        name, message = _refusal(e, t)
        errors[name] = message
        return _users_page(request, state, me, status=400, errors=errors, typed=fields)
    return _users_page(request, state, me, secret=(user.id, token))


@router.post("/console/admin/users/{user_id}/{op}", response_class=HTMLResponse)
@html_errors
async def change_user(request: Request, state: State, user_id: str, op: str) -> Response:
    fields = await _fields(request, "csrf", "role", "units", "expires")
    return await run_in_threadpool(_change_user, request, state, user_id[:100], op, fields)


def _change_user(request: Request, state: WebState, user_id: str, op: str,
                 fields: dict[str, str]) -> Response:  # fmt: skip
    from gridops.web.auth import rotate_token

    me = signed_in(state, request)
    require(me, Action.MANAGE_USERS)
    check_csrf(request, fields["csrf"])
    lang, t = _t(request)
    now = state.now()
    try:
        if op in ("disable", "enable"):
            if user_id == me.user_id and op == "disable":
                raise _FieldError(op, t("adm.not_yourself"))
            state.accounts.update_user(user_id, now=now, active=op == "enable", actor=me.user_id)
        elif op == "token":
            user, token = rotate_token(state.accounts, user_id, now=now, actor=me.user_id,
                                       expires=fields["expires"] or None)  # fmt: skip
            return _users_page(request, state, me, secret=(user.id, token))
        elif op == "scope":
            role = fields["role"] if fields["role"] in ROLES else None
            units = _units_of(state, fields["units"], fields["role"], lang, t)
            state.accounts.update_user(user_id, now=now, role=role, units=units,
                                       actor=me.user_id)  # fmt: skip
        else:
            raise UserError(f"no such change {op!r}")
    except _FieldError as e:
        errs = {f"{user_id}-{e.name}": e.message}
        return _users_page(request, state, me, status=400, errors=errs, typed=fields)
    except UserError as e:
        errs = {f"{user_id}-{op}": _refusal(e, t)[1]}
        return _users_page(request, state, me, status=400, errors=errs, typed=fields)
    return done("/console/admin/users", f"adm_{op}", "")


def _keys_page(request: Request, state: WebState, me: Principal, *, status: int = 200,
               errors: dict[str, str] | None = None, typed: dict[str, str] | None = None,
               secret: tuple[str, str] | None = None) -> HTMLResponse:  # fmt: skip
    keys = [{"k": k, "expired": k.expired(state.now())} for k in state.accounts.list_api_keys()]
    return render(request, state, "admin_keys.html", me=me, keys=keys, errors=errors or {},
                  typed=typed or {}, secret=secret, status=status)  # fmt: skip


@router.get("/console/admin/keys", response_class=HTMLResponse)
@html_errors
def keys_page(request: Request, state: State) -> HTMLResponse:
    me = signed_in(state, request)
    require(me, Action.MANAGE_API_KEYS)
    return _keys_page(request, state, me)


@router.post("/console/admin/keys", response_class=HTMLResponse)
@html_errors
async def add_key(request: Request, state: State) -> Response:
    fields = await _fields(request, "csrf", "name", "expires")
    return await run_in_threadpool(_add_key, request, state, fields)


def _add_key(request: Request, state: WebState, fields: dict[str, str]) -> Response:
    from gridops.web.auth import create_api_key

    me = signed_in(state, request)
    require(me, Action.MANAGE_API_KEYS)
    check_csrf(request, fields["csrf"])
    _, t = _t(request)
    if not fields["name"]:
        errs = {"name": t("err.required", field=t("adm.key_name"))}
        return _keys_page(request, state, me, status=400, errors=errs, typed=fields)
    try:
        key, secret = create_api_key(state.accounts, fields["name"], now=state.now(),
                                     actor=me.user_id,
                                     expires=fields["expires"] or None)  # fmt: skip
    except UserError as e:
        name, message = _refusal(e, t)
        errs = {name: message}
        return _keys_page(request, state, me, status=400, errors=errs, typed=fields)
    return _keys_page(request, state, me, secret=(key.name, secret))


@router.post("/console/admin/keys/{name}/revoke", response_class=HTMLResponse)
@html_errors
async def revoke_key(request: Request, state: State, name: str) -> Response:
    fields = await _fields(request, "csrf")
    return await run_in_threadpool(_revoke_key, request, state, name[:100], fields)


def _revoke_key(request: Request, state: WebState, name: str, fields: dict[str, str]) -> Response:
    me = signed_in(state, request)
    require(me, Action.MANAGE_API_KEYS)
    check_csrf(request, fields["csrf"])
    state.accounts.revoke_api_key(name, now=state.now(), actor=me.user_id)
    state.api_keys.forget()
    return done("/console/admin/keys", "adm_revoke")


@router.get("/console/admin/log", response_class=HTMLResponse)
@html_errors
def log_page(request: Request, state: State) -> HTMLResponse:
    me = signed_in(state, request)
    require(me, Action.READ_ACCOUNT_LOG)
    raw = request.query_params.get("page", "1")
    page = int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1
    subject = " ".join(request.query_params.get("subject", "").split())[:100]
    events, total = state.accounts.history(limit=LOG_PER_PAGE, offset=(page - 1) * LOG_PER_PAGE,
                                           subject=subject or None)  # fmt: skip
    pages = max(1, -(-total // LOG_PER_PAGE))
    raw = request.query_params.get("apage", "1")
    apage = int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1
    offset = (apage - 1) * LOG_PER_PAGE
    access, atotal = access_page(
        state.accounts.engine, limit=LOG_PER_PAGE, offset=offset, subject=subject or None
    )
    apages = max(1, -(-atotal // LOG_PER_PAGE))
    lang, t = _t(request)
    details = [log_details(state, e.payload, lang, t) for e in events]
    return render(request, state, "admin_log.html", me=me, events=events, details=details,
                  total=total,
                  page=min(page, pages), pages=pages, subject=subject, access=access,
                  atotal=atotal, apage=min(apage, apages), apages=apages)  # fmt: skip
