"""Open311 GeoReport v2 at ``/open311/v2/`` (公众上报接口), in JSON and XML.

Parsing, checking and rendering live in :mod:`gridops.web.open311`; the routes only glue them
to the services. lat/long are WGS84 in and out (converted to the grid's CRS by intake; a ticket
reported in another CRS is converted back for output). Reporter data never goes out, nor do
staff's own reports (inspectors', grid workers' self-reports): they are left out of every GET
(GRIDOPS_OPEN311_SELF_REPORTS=omit, the default) or shown without description and photo
(``redact``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException

from gridops.address.book import Candidate
from gridops.errors import UserError
from gridops.grids.crs import WGS84, normalise_crs, to_grid_crs
from gridops.services.address_books import AddressBookLoading
from gridops.services.addresses import nearest_address
from gridops.text import TEXT_PATTERN
from gridops.tickets.model import Reporter, Ticket
from gridops.tickets.vocabulary import Source
from gridops.web.allow import FALLBACK, allowed_methods
from gridops.web.limits import RateLimited, Verdict
from gridops.web.open311 import formats, schema
from gridops.web.open311.errors import (
    Open311Error,
    bad_request,
    invalid_api_key,
    not_found,
    outside_grid,
)
from gridops.web.open311.formats import Document, Format
from gridops.web.open311.mapping import WGS84_LIKE, request_from_ticket, service_from_category
from gridops.web.open311.models import Open311Receipt, Open311ServiceDefinition, Open311TokenStatus
from gridops.web.open311.params import check_draft, parse_request_form, parse_request_query
from gridops.web.queries import search_requests
from gridops.web.state import State, WebState

router = APIRouter(prefix="/open311/v2", tags=["Open311 GeoReport v2"])
SERVICE_NOTICE = (
    "lat/long are WGS84; times are in the operations centre's zone (Asia/Shanghai by default)"
)
#: Sources of staff's own reports (巡查上报, 自行处置), internal to the operations centre.
SELF_REPORTS = frozenset({Source.INSPECTOR.value, Source.GRID_WORKER.value})
#: Documented, not validated by FastAPI: another suffix is a 404 in the Open311 error list.
FmtParam = Annotated[
    str, Path(description="json or xml", json_schema_extra={"pattern": schema.FMT_PATTERN})
]
IdParam = Annotated[str, Path(json_schema_extra={"pattern": TEXT_PATTERN})]


def _respond(doc: Document, headers: dict[str, str] | None = None) -> Response:
    return Response(doc.body, status_code=doc.status, media_type=doc.media_type, headers=headers)


def _answer(suffix: str, make: Callable[[Format], Document]) -> Response:
    """Render ``make(fmt)``, or the Open311 error in the asked format (JSON if unknown)."""
    try:
        fmt = Format.from_suffix(suffix)
    except Open311Error as exc:
        return _respond(formats.render_error(exc, Format.JSON))
    try:
        return _respond(make(fmt))
    except Open311Error as exc:
        return _respond(formats.render_error(exc, fmt))


def _definitions(state: WebState) -> dict[str, Open311ServiceDefinition]:
    cached = state.extra.get("open311_definitions")
    if cached is None or cached[0] is not state.ctx:
        codes = state.ctx.ops.taxonomy.categories
        cached = (state.ctx, {code: Open311ServiceDefinition(code) for code in codes})
        state.extra["open311_definitions"] = cached
    return cached[1]


def _services(state: WebState) -> list[Any]:
    taxonomy = state.ctx.ops.taxonomy
    return [
        service_from_category(
            c, group=taxonomy.classes[c.class_code].zh if c.class_code in taxonomy.classes else None
        )
        for c in taxonomy.categories.values()
    ]


def _wgs84(ticket: Ticket) -> tuple[float, float] | None:
    if ticket.crs.upper() in WGS84_LIKE:
        return None  # request_from_ticket uses lon/lat as they are
    try:
        return to_grid_crs(ticket.lon, ticket.lat, normalise_crs(ticket.crs), WGS84)
    except UserError:
        return None


def _hidden_sources(state: WebState) -> frozenset[str]:
    """The sources GETs leave out: staff's self-reports, unless shown redacted."""
    return SELF_REPORTS if state.ctx.settings.open311_self_reports == "omit" else frozenset()


def open311_request(state: WebState, ticket: Ticket, *, with_notes: bool) -> Any:
    """A ticket as an Open311 request (no reporter data; media only as public URLs; a staff
    self-report without its description and photo)."""
    ctx = state.ctx
    category = ctx.ops.taxonomy.categories.get(ticket.category)
    names = (
        {ticket.owner_unit: ctx.ops.org.units[ticket.owner_unit].zh}
        if (ticket.owner_unit in ctx.ops.org.units)
        else {}
    )
    events = ctx.store.events(ticket.id) if with_notes else ()
    req = request_from_ticket(
        ticket,
        service_name=category.zh if category else None,
        agency_names=names,
        events=events,
        wgs84=_wgs84(ticket),
        tz=state.tz,
    )
    public = next((m for m in ticket.media if m.startswith(("http://", "https://"))), None)
    near = nearest_address(ctx.store, ticket)
    req = replace(req, address=near.text if near else None)
    if ticket.source.value in SELF_REPORTS:
        return replace(req, description=None, media_url=None, service_notice=SERVICE_NOTICE)
    return replace(req, media_url=public, service_notice=SERVICE_NOTICE)


@router.get(
    "/services.{fmt}",
    summary="List services (our categories)",
    responses=schema.ok(list[schema.Service], "The services") | schema.errors(404, 503),
)
def services(state: State, fmt: FmtParam) -> Response:
    return _answer(fmt, lambda f: formats.render_services(_services(state), f))


@router.get(
    "/services/{service_code}.{fmt}",
    summary="A service definition",
    responses=schema.ok(schema.ServiceDefinition, "Its attributes") | schema.errors(404, 503),
)
def service_definition(state: State, service_code: str, fmt: FmtParam) -> Response:
    def make(f: Format) -> Document:
        definition = _definitions(state).get(service_code)
        if definition is None:
            raise not_found("service_code", service_code)
        return formats.render_service_definition(definition, f)

    return _answer(fmt, make)


@router.get(
    "/requests.{fmt}",
    summary="Search service requests",
    responses=schema.ok(list[schema.ServiceRequest], "The requests found") | schema.GET_ERRORS,
    openapi_extra={"parameters": schema.SEARCH_PARAMETERS},
)
def list_requests(state: State, request: Request, fmt: FmtParam) -> Response:
    def make(f: Format) -> Document:
        q = parse_request_query(request.query_params.multi_items(), now=state.now())
        found = search_requests(state.ctx.store, q, exclude_sources=_hidden_sources(state))
        reqs = [open311_request(state, t, with_notes=q.extensions) for t in found]
        return formats.render_requests(reqs, f, extensions=q.extensions)

    return _answer(fmt, make)


@router.get(
    "/requests/{service_request_id}.{fmt}",
    summary="One service request",
    responses=schema.ok(list[schema.ServiceRequest], "A list holding the request")
    | schema.GET_ERRORS,
    openapi_extra={"parameters": [schema.EXTENSIONS]},
)
def get_request(
    state: State, service_request_id: IdParam, fmt: FmtParam, request: Request
) -> Response:
    def make(f: Format) -> Document:
        asked = [(k, v) for k, v in request.query_params.multi_items() if k == "extensions"]
        q = parse_request_query([("service_request_id", service_request_id), *asked],
                                now=state.now())  # fmt: skip
        extensions = q.extensions
        found = search_requests(state.ctx.store, q, exclude_sources=_hidden_sources(state))
        if not found:
            raise not_found("service_request_id", service_request_id)
        req = open311_request(state, found[0], with_notes=extensions)
        return formats.render_requests([req], f, extensions=extensions)

    return _answer(fmt, make)


@router.get(
    "/tokens/{token}.{fmt}",
    summary="The request id behind a token",
    responses=schema.ok(list[schema.TokenStatus], "The token and its request id")
    | schema.errors(404, 503),
)
def get_token(state: State, token: str, fmt: FmtParam) -> Response:
    def make(f: Format) -> Document:
        if len(token) != 32 or any(c not in "0123456789abcdef" for c in token):
            raise not_found("token", token)
        try:
            ticket = state.ctx.store.get(token)
        except UserError:
            raise not_found("token", token) from None
        if ticket.source.value in _hidden_sources(state):
            raise not_found("token", token)
        return formats.render_tokens([Open311TokenStatus(token, ticket.number)], f)

    return _answer(fmt, make)


@router.post(
    "/requests.{fmt}",
    summary="Create a service request",
    responses=schema.ok(list[schema.Receipt], "A list with one receipt")
    | schema.errors(400, 403, 404, 413, 429, 503),
    openapi_extra=schema.POST_FORM,
)
async def create_request(state: State, request: Request, fmt: FmtParam) -> Response:
    try:
        out_fmt = Format.from_suffix(fmt)
    except Open311Error as exc:
        return _respond(formats.render_error(exc, Format.JSON))
    started = time.perf_counter()
    try:
        try:
            form = await request.form()
        except HTTPException as exc:  # a multipart body that does not parse
            raise bad_request(f"the form cannot be read: {exc.detail}") from None
        draft = parse_request_form(form.multi_items())
        keys, now, at = state.api_keys, time.monotonic(), state.now()
        key = keys.remembered(draft.api_key, now=now, at=at)
        if key is None:  # not seen within the last second: ask the database, off the loop
            key = await run_in_threadpool(keys.lookup, draft.api_key, now=now, at=at)
        if key is None:
            raise invalid_api_key()
        address = request.client.host if request.client else "unknown"
        draft = check_draft(draft, _definitions(state))
        place = None if draft.has_point else await run_in_threadpool(_place, state, draft)
        ticket = await _submit(state, draft, key.name, address, place)
    except RateLimited as exc:
        return _too_many(out_fmt, exc.verdict)
    except AddressBookLoading as exc:
        return _too_many(out_fmt, Verdict(False, exc.retry_after_s, str(exc), 503))
    except Open311Error as exc:
        return _respond(formats.render_errors([exc, *getattr(exc, "more", ())], out_fmt))
    finally:
        await request.close()
    state.metrics.intake_seconds.labels("open311").observe(time.perf_counter() - started)
    receipt = Open311Receipt(
        service_request_id=ticket.number, service_notice=SERVICE_NOTICE, account_id=draft.account_id
    )
    return _respond(formats.render_receipts([receipt], out_fmt))


def _place(state: WebState, draft: Any) -> Candidate:
    """The stored address an ``address_id`` names or an ``address_string`` clearly means; 400
    when none is, or several are (each candidate listed as an error of its own)."""
    from gridops.services.address_books import LOOKUP_WAIT_S, address_book
    from gridops.services.addresses import AddressAmbiguous, AddressNotFound, locate_address

    book = address_book(state.ctx.store, wait=LOOKUP_WAIT_S)  # AddressBookLoading: a 503
    try:
        return locate_address(
            book, address_id=draft.address_id, address_string=draft.address_string
        )
    except AddressNotFound as exc:
        raise bad_request(f"{exc}; send lat and long instead") from None
    except AddressAmbiguous as exc:
        error = bad_request(str(exc))
        error.more = tuple(  # type: ignore[attr-defined]
            bad_request(f"candidate address_id={c.id}: {c.text} (cell {c.cell}, score {c.score})")
            for c in exc.candidates
        )
        raise error from None


async def _submit(
    state: WebState, draft: Any, key_name: str, address: str, place: Candidate | None = None
) -> Ticket:
    """Hand the checked draft to intake (batched with concurrent ones), at its lat/long or at
    the stored address it named; intake's refusals become Open311 400s."""
    from gridops.services.errors import OutsideGrid
    from gridops.services.intake import IntakeReport

    name = " ".join(p for p in (draft.first_name, draft.last_name) if p)
    report = IntakeReport(
        category=draft.service_code,
        lon=draft.long if place is None else place.lon,
        lat=draft.lat if place is None else place.lat,
        crs=WGS84 if place is None else state.ctx.grid.crs,
        source=Source.PUBLIC,
        description=draft.description or "",
        reporter=Reporter(name=name, phone=draft.phone or "", email=draft.email or ""),
        media=(draft.media_url,) if draft.media_url else (),
    )
    try:
        ticket = await state.intake.submit(
            report, actor=f"apikey:{key_name}", limit=(key_name, address)
        )
    except OutsideGrid:
        raise outside_grid(draft.lat, draft.long, state.ctx.grid.name) from None
    except UserError as exc:
        raise bad_request(str(exc)) from None
    return ticket


def _too_many(fmt: Format, verdict: Verdict) -> Response:
    """429 (over the limit) or 503 (the limit cannot be counted) in the Open311 error shape
    (the spec has no codes for them; clients see the HTTP status), with Retry-After."""
    body = formats.render_refusal(verdict.status, verdict.reason, fmt)
    return _respond(body, headers={"Retry-After": str(verdict.retry_after)})


@router.api_route(
    "/{rest:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],  # every refusal in the list
    include_in_schema=False,
    summary="Unknown resource",
    name=FALLBACK,
)
def unknown(rest: str, request: Request) -> Response:
    """404 for a path no resource has; 405 for a method a resource does not take (its
    ``Allow`` is set by :class:`gridops.web.allow.AllowHeader`)."""
    suffix = rest.rpartition(".")[2] if "." in rest else "json"
    fmt = Format.XML if suffix.lower() == "xml" else Format.JSON
    methods = allowed_methods(request.scope)
    if methods:
        reason = f"{request.method} is not a method of {rest!r}; use {', '.join(methods)}"
        return _respond(formats.render_refusal(405, reason, fmt))
    return _respond(formats.render_error(Open311Error(404, f"{rest!r} is not a resource"), fmt))
