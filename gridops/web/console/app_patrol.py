"""The field app's patrols (巡查): ``POST /console/app/patrols`` keeps a walk's sampled track,
sent by the phone when the patrol ends (again after a lost answer: the same id replaces it).
Problems found on the way are self-reported through the moves route (action ``onsite``)."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from gridops.errors import UserError
from gridops.web.console.i18n import translator
from gridops.web.console.pages import lang_of, signed_in
from gridops.web.console.session import NotSignedIn, check_csrf
from gridops.web.permissions import Action, PermissionDenied, Principal, require
from gridops.web.state import State, WebState

router = APIRouter(include_in_schema=False)
PATROL_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


@router.post("/console/app/patrols")
async def patrol(request: Request, state: State) -> Response:
    t = translator(lang_of(request))
    try:
        me = await run_in_threadpool(signed_in, state, request)
        check_csrf(request, request.headers.get("x-csrf-token"))
        require(me, Action.SELF_REPORT)
    except NotSignedIn:
        return JSONResponse({"message": t("app.err.signin"), "signin": True}, status_code=401)
    except PermissionDenied:
        return JSONResponse({"message": t("err.forbidden")}, status_code=403)
    async with request.form() as form:
        fields = {k: str(form.get(k) or "") for k in ("id", "started", "ended", "points")}
    return await run_in_threadpool(_record, state, me, fields, t)


def _record(state: WebState, me: Principal, fields: dict[str, str], t: Any) -> Response:
    from gridops.services.patrols import record

    try:
        if not PATROL_ID.match(fields["id"]):
            raise UserError(f"id: {fields['id'][:64]!r} is not a patrol id")
        kept = record(
            state.ctx, me.user_id, fields["id"], points=json.loads(fields["points"] or "[]"),
            started_ms=int(fields["started"]), ended_ms=int(fields["ended"] or 0) or None,
        )  # fmt: skip
    except (UserError, ValueError) as exc:
        return JSONResponse({"message": t("app.err.patrol"), "detail": str(exc)}, status_code=400)
    return JSONResponse({"id": kept.patrol_id, "points": len(kept.points),
                         "length_m": kept.length_m})  # fmt: skip
