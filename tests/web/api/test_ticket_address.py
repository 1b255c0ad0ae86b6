"""Every ticket shows its nearest stored address: the JSON API's ``address`` (null while none
is stored), and the dispatcher's desk."""

from __future__ import annotations

from gridops.services.addresses import import_addresses
from gridops.services.context import ServiceContext
from gridops.services.intake import IntakeReport, submit
from gridops.tickets import Role, Source

from ..conftest import LUJIAZUI_L3, NOW, TestClient, Users


def report(ctx: ServiceContext, dx: float) -> str:
    p = ctx.grid.cells[LUJIAZUI_L3].geometry.representative_point()
    [t] = submit(ctx, [IntakeReport(category="E0102", lon=p.x + dx, lat=p.y, crs=ctx.grid.crs,
                                    source=Source.HOTLINE)],
                 actor="acc", role=Role.ACCEPTOR, now=NOW)  # fmt: skip
    return t.number


def test_api_and_desk_show_the_nearest_address(
    client: TestClient, ctx: ServiceContext, users: Users, tmp_path
) -> None:
    dispatcher = users.add("d-1", "dispatcher", "all")
    bare = report(ctx, 0.0)
    first = client.get(f"/api/v1/tickets/{bare}", headers=dispatcher).json()["ticket"]
    assert first["address"] is None
    p = ctx.grid.cells[LUJIAZUI_L3].geometry.representative_point()
    f = tmp_path / "a.csv"
    f.write_text(f"id,address,lon,lat,aliases\nL1,浦东新区陆家嘴街道锦绣路1号,{p.x},{p.y},"
                 "锦绣路一号|No. 1 Jinxiu Road\n", "utf-8")  # fmt: skip
    import_addresses(ctx.store, ctx.grid, f, now=NOW)
    got = client.get(f"/api/v1/tickets/{bare}", headers=dispatcher).json()["ticket"]
    assert got["address"] == {"id": "L1", "text": "浦东新区陆家嘴街道锦绣路1号",
                              "text_en": "No. 1 Jinxiu Road",  # the alias in Latin letters
                              "cell": LUJIAZUI_L3, "distance_m": 0.0}  # fmt: skip
    far = report(ctx, 0.001)  # ~95 m east
    away = client.get(f"/api/v1/tickets/{far}", headers=dispatcher).json()["ticket"]["address"]
    assert away["id"] == "L1" and 80 < away["distance_m"] < 110
