"""Who may read the console's data answers (map cells, tiles, pins, shades, tracks): one
preamble for them all — signed out is a plain-text 401, refused a plain-text 403 with the
reason, and a person who opens one in the browser's address bar gets a page saying what it is,
never raw JSON — so each answer states only what it checks, never how to refuse."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import Response

from gridops.web.permissions import PermissionDenied, Principal
from gridops.web.state import WebState


def plain(status: int, text: str) -> Response:
    """A plain-text answer (data endpoints answer scripts, never pages)."""
    return Response(text, status_code=status, media_type="text/plain; charset=utf-8")


def signed_out(request: Request) -> Response:
    """The plain-text 401 of a script's request without a session, in the reader's language
    (the page's script shows its own notice, ``#ended`` in base.html)."""
    from gridops.web.console.i18n import translator
    from gridops.web.console.pages import lang_of

    return plain(401, translator(lang_of(request))("signin_first"))


def not_a_page(state: WebState, request: Request) -> Response:
    """A page, in the reader's language, for a data answer opened in the address bar (406:
    it is not offered as HTML)."""
    from gridops.web.console.i18n import translator
    from gridops.web.console.pages import lang_of, render

    t = translator(lang_of(request))
    me = signed_in_or_none(state, request)
    return render(request, state, "error.html", me=me, status=406, title="err.data_title",
                  reason=t("err.data_link"))  # fmt: skip


def signed_in_or_none(state: WebState, request: Request) -> Principal | None:
    """The signed-in principal of ``request``, or None."""
    from gridops.web.console.pages import signed_in
    from gridops.web.console.session import NotSignedIn

    try:
        return signed_in(state, request)
    except NotSignedIn:
        return None


def reader(
    state: WebState, request: Request, may: Callable[[Principal], None] | None = None
) -> Principal | Response:
    """The signed-in principal, if ``may`` (which raises PermissionDenied) lets them read;
    else the 401 or 403 to answer: ``me = reader(…); if isinstance(me, Response): return me``."""
    if request.headers.get("sec-fetch-mode") == "navigate":  # opened as a page, not fetched
        return not_a_page(state, request)
    me = signed_in_or_none(state, request)
    if me is None:
        return signed_out(request)
    if may is not None:
        try:
            may(me)
        except PermissionDenied as e:
            return plain(403, e.reason)
    return me
