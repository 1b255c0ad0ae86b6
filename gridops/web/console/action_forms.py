"""A ticket action's form checked before it is sent to the JSON API's route: what each field
needs, said in the reader's language beside the field, and a unit typed by name turned into its
id. What the API refuses afterwards is mapped back onto the field it concerns where it can be."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gridops.errors import UserError
from gridops.org.names import unit_name
from gridops.text import forbidden
from gridops.web.console.i18n import Typed
from gridops.web.console.pickers import people, resolve_unit
from gridops.web.state import WebState

MAX_TEXT = 2000
#: Field → its label in the catalogue.
LABELS = {
    "owner_unit": "unit",
    "assignee": "assignee",
    "reason": "reason",
    "note": "note",
    "approval": "approval",
    "amount": "amount",
    "group": "group",
    "duplicate_of": "duplicate_of",
    "satisfaction": "satisfaction",
}
#: Action → the fields it requires.
REQUIRED = {
    "dispatch": ("owner_unit",),
    "reassign": ("owner_unit",),
    "escalate": ("group",),
    "void": ("reason",),
    "merge": ("duplicate_of",),
    "suspend": ("approval", "reason"),
    "extend": ("amount", "approval"),
    "return": ("reason",),
    "check_fail": ("reason",),
    "force_close": ("reason",),
    "reopen": ("reason",),
}
#: Moves that cannot be taken back: confirmed on a page of their own first.
CONFIRM = frozenset({"void", "force_close", "return"})


class FormProblem(Exception):
    """Fields of a form that cannot be used, each with its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def checked(
    state: WebState, action: str, form: dict[str, Any], lang: str, t: Callable[..., str]
) -> dict[str, Any]:
    """``form`` with its text trimmed and a typed unit resolved to its id; FormProblem naming
    each field that cannot be used."""
    errors: dict[str, str] = {}
    out = {k: v.strip() if isinstance(v, str) else v for k, v in form.items()}

    def label(name: str) -> str:
        return t(LABELS.get(name, name))

    for name, value in out.items():
        if name in LABELS and isinstance(value, str):
            if forbidden(value):
                errors[name] = t("err.bad_text", field=label(name))
            elif len(value) > MAX_TEXT:
                errors[name] = t("err.too_long", field=label(name), n=MAX_TEXT)
    for name in REQUIRED.get(action, ()):
        if not out.get(name) and name not in errors:
            errors[name] = t("err.required", field=label(name))
    if action in ("dispatch", "reassign") and "owner_unit" not in errors:
        found = resolve_unit(state.ctx.ops.org, str(out["owner_unit"]), lang, t)
        if found.unit is None:
            errors["owner_unit"] = found.error
        else:
            out["owner_unit"] = found.unit
            person = str(out.get("assignee") or "")
            if person and person not in {p.id for p in people(state, found.unit)}:
                unit = unit_name(state.ctx.ops.org.units[found.unit], lang).text
                errors["assignee"] = t("err.not_person", person=Typed(person), unit=unit)
    if action == "escalate" and out.get("group"):
        group = state.ctx.ops.org.units.get(str(out["group"]))
        if group is None or group.kind != "joint_group":
            errors["group"] = t("err.no_group")
    if action == "extend" and out.get("amount") and "amount" not in errors:
        _number(out, "amount", 0.01, 10_000, label, t, errors)
    if action == "callback":
        _number(out, "satisfaction", 1, 5, label, t, errors)
    if errors:
        raise FormProblem(errors)
    return out


def _number(
    out: dict[str, Any],
    name: str,
    low: float,
    high: float,
    label: Callable[[str], str],
    t: Callable[..., str],
    errors: dict[str, str],
) -> None:
    raw = str(out.get(name) or "")
    try:
        value = float(raw)
    except ValueError:
        errors[name] = t("err.number", field=label(name), value=Typed(raw[:40]))
        return
    if not low <= value <= high:
        errors[name] = t("err.range", field=label(name), low=f"{low:g}", high=f"{high:g}")


def field_of(
    action: str, exc: UserError, form: dict[str, Any], t: Callable[..., str]
) -> FormProblem:
    """The field an API refusal of ``action`` concerns, with a message in the language."""
    text = str(exc)
    head = text.split(":", 1)[0].strip()
    if head in LABELS:
        value = Typed(str(form.get(head, ""))[:40])
        return FormProblem({head: t("err.filter", field=t(LABELS[head]), value=value)})
    if text.startswith("reassign: "):  # to the unit (and person) that hold it already
        return FormProblem({"owner_unit": t("err.same_owner")})
    if text.startswith("assignee "):
        person, unit = Typed(form.get("assignee", "")), Typed(form.get("owner_unit", ""))
        return FormProblem({"assignee": t("err.not_person", person=person, unit=unit)})
    if action == "merge":
        value = Typed(form.get("duplicate_of") or "")
        return FormProblem({"duplicate_of": t("err.no_ticket", value=value)})
    return FormProblem({"": t("err.input")})
