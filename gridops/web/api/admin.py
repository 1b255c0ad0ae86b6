"""Admins: users (role + unit scope), API keys, the account log that records every change to
them (who, when, what; district supervisors read it too), and a config reload that runs the
same totality proof as ``gridops config check`` first (a failing config changes nothing)."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from gridops.web.answers import SIGNED_IN, WITH_BODY, answers
from gridops.web.auth import check_unit_ids, create_api_key, create_user, rotate_token
from gridops.web.input import Body
from gridops.web.permissions import Action, require
from gridops.web.state import Me, State

router = APIRouter(prefix="/admin", tags=["admin"], responses=SIGNED_IN)
Id = Annotated[str, Field(min_length=1, max_length=100)]


Lifetime = Annotated[str, Field(max_length=20, description="e.g. 90d, 12h, 2w")]


class UserIn(Body):
    id: Id
    name: Annotated[str, Field(max_length=200)] = ""
    role: Annotated[str, Field(max_length=20)]
    units: list[Annotated[str, Field(max_length=100)]] = Field(default_factory=list, max_length=200)
    expires: Lifetime | None = None  # the token's lifetime; none: until replaced


class UserPatch(Body):
    role: Annotated[str, Field(max_length=20)] | None = None
    units: list[Annotated[str, Field(max_length=100)]] | None = Field(None, max_length=200)
    active: bool | None = None


class TokenIn(Body):
    expires: Lifetime | None = None


class ApiKeyIn(Body):
    name: Id
    expires: Lifetime | None = None  # none: until revoked


@router.get("/users", summary="All users")
def list_users(state: State, me: Me) -> dict[str, Any]:
    require(me, Action.MANAGE_USERS)
    return {"users": [u.to_dict() for u in state.accounts.list_users()]}


@router.post(
    "/users", summary="Add a user; the answer holds their token (shown once)", responses=WITH_BODY
)
def add_user(state: State, me: Me, body: UserIn) -> dict[str, Any]:
    require(me, Action.MANAGE_USERS)
    user, token = create_user(
        state.accounts,
        body.id,
        name=body.name,
        role=body.role,
        units=body.units,
        now=state.now(),
        org=state.ctx.ops.org,
        actor=me.user_id,
        expires=body.expires,
    )
    return {"user": user.to_dict(), "token": token}


@router.patch(
    "/users/{user_id}", summary="Change role, units or active", responses=WITH_BODY | answers(404)
)
def update_user(state: State, me: Me, user_id: str, body: UserPatch) -> dict[str, Any]:
    require(me, Action.MANAGE_USERS)
    if body.units is not None:
        check_unit_ids(body.units, state.ctx.ops.org)
    user = state.accounts.update_user(
        user_id,
        now=state.now(),
        role=body.role,
        units=body.units,
        active=body.active,
        actor=me.user_id,
    )
    return {"user": user.to_dict()}


@router.post(
    "/users/{user_id}/token",
    summary="Issue a new token (the old one stops working)",
    responses=WITH_BODY | answers(404),
)
def new_token(state: State, me: Me, user_id: str, body: TokenIn | None = None) -> dict[str, Any]:
    """The old token and the console sessions signed in with it end at once."""
    require(me, Action.MANAGE_USERS)
    expires = body.expires if body is not None else None
    user, token = rotate_token(state.accounts, user_id, now=state.now(), actor=me.user_id,
                               expires=expires)  # fmt: skip
    return {"user": user.to_dict(), "token": token}


@router.get("/api-keys", summary="All Open311 API keys (hints only)")
def list_keys(state: State, me: Me) -> dict[str, Any]:
    require(me, Action.MANAGE_API_KEYS)
    return {"api_keys": [k.to_dict() for k in state.accounts.list_api_keys()]}


@router.post(
    "/api-keys", summary="Create an API key; the answer holds it (shown once)", responses=WITH_BODY
)
def add_key(state: State, me: Me, body: ApiKeyIn) -> dict[str, Any]:
    require(me, Action.MANAGE_API_KEYS)
    key, secret = create_api_key(state.accounts, body.name, now=state.now(), actor=me.user_id,
                                 expires=body.expires)  # fmt: skip
    return {"api_key": key.to_dict(), "key": secret}


@router.delete("/api-keys/{name}", summary="Revoke an API key", responses=answers(404))
def revoke_key(state: State, me: Me, name: str) -> dict[str, Any]:
    require(me, Action.MANAGE_API_KEYS)
    revoked = state.accounts.revoke_api_key(name, now=state.now(), actor=me.user_id)
    state.api_keys.forget()
    return {"api_key": revoked.to_dict()}


@router.get("/audit-log", summary="The account log: every change to users and API keys")
def audit_log(
    state: State,
    me: Me,
    subject: Annotated[str | None, Query(max_length=100, description="A user id or key")] = None,
    actor: Annotated[str | None, Query(max_length=100, description="Who made the change")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    """Newest first; each event carries its hash and the previous one (verify the whole chain
    with ``gridops audit verify``). Payloads hold hints, never tokens, keys or their hashes.
    Admins and supervisors of all units read it (``Action.READ_ACCOUNT_LOG``)."""
    require(me, Action.READ_ACCOUNT_LOG)
    events, total = state.accounts.history(limit=limit, offset=offset, subject=subject, actor=actor)
    return {
        "events": [e.to_dict() for e in events],
        "total": total,
        "limit": limit,
        "offset": offset,
    }


@router.post(
    "/config/reload",
    summary="Reload config/ after the totality proof passes",
    responses=answers(400),
)
def reload_config(state: State, me: Me) -> dict[str, Any]:
    from gridops.org.config import load_ops_config

    require(me, Action.RELOAD_CONFIG)
    ctx = state.ctx
    ops = load_ops_config(ctx.settings.config_dir, ctx.grid, verify=True)  # ConfigError → 400
    state.ctx = replace(ctx, ops=ops)
    return {
        "reloaded": str(ctx.settings.config_dir),
        "categories": len(ops.taxonomy.categories),
        "units": len(ops.org.units),
    }
