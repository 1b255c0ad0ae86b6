"""``GET /media/{name}``: stored photos (by content hash), to signed-in roles that read tickets."""

from __future__ import annotations

import re

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse

from gridops.web.media import media_dir
from gridops.web.permissions import ROLE_ACTIONS, Action, PermissionDenied
from gridops.web.state import Me, State

router = APIRouter(tags=["media"])
_NAME = re.compile(r"^[0-9a-f]{64}\.(jpg|png)$")


@router.get("/media/{name}", summary="A stored photo (JPEG/PNG, EXIF stripped)")
def media(state: State, me: Me, name: str) -> FileResponse:
    if Action.READ_TICKET not in ROLE_ACTIONS[me.role]:
        raise PermissionDenied(f"{me.role.value} may not read ticket photos")
    path = media_dir(state.ctx.settings.data_dir) / name
    if not _NAME.match(name) or not path.is_file():
        raise HTTPException(404, f"no photo {name!r}")
    kind = "image/jpeg" if name.endswith(".jpg") else "image/png"
    return FileResponse(path, media_type=kind)
