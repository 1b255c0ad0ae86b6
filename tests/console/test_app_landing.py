"""Field staff, grid workers and inspectors land on the field app after signing in; the others
on their desks (a hotline acceptor on the call-taking page)."""

from __future__ import annotations

import pytest

from .conftest import TestClient, Users, login_form


@pytest.mark.parametrize(
    ("role", "home"),
    [("field_staff", "/console/app/"), ("grid_worker", "/console/app/"),
     ("inspector", "/console/app/"), ("dispatcher", "/console/dispatch"),
     ("supervisor", "/console/supervise"), ("acceptor", "/console/hotline"),
     ("admin", "/console/admin/users")],
)  # fmt: skip
def test_field_roles_land_on_the_app(client: TestClient, users: Users, role: str, home: str):
    wide = role in ("supervisor", "acceptor", "admin")
    token = users.add(f"u-{role}", role, "all" if wide else "sc-310115005")
    r = client.post("/console/login", data=login_form(client, token=token),
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == home
    if home == "/console/app/":
        page = client.get(home).text
        assert 'id="classic" href="/console/field"' in page and "切换到网页版任务页" in page
        assert "Switch to the classic task page" in client.get(home + "?lang=en").text
