"""The admin pages (issue 18): users added with a role and a unit typed by name (the token shown
once and working), disabled, enabled, given a new token, their scope changed; API keys added
with a lifetime (shown once) and revoked; the account log paged — every change by an admin only,
with the session's CSRF token, refusals beside their field in the reader's language."""

from __future__ import annotations

import re

from gridops.services.context import ServiceContext

from .conftest import TestClient, Users, login_form, sign_in

SECRET = re.compile(r'<code id="secret-value" translate="no">([^<]+)</code>')


def admin(client: TestClient, users: Users) -> str:
    return sign_in(client, users.add("root", "admin"))


def test_an_admin_lands_on_the_users_page(client: TestClient, users: Users) -> None:
    r = client.post("/console/login", data=login_form(client, token=users.add("root", "admin")),
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303 and r.headers["location"] == "/console/admin/users"


def test_only_admins_reach_the_admin_pages(client: TestClient, users: Users) -> None:
    csrf = sign_in(client, users.add("s-1", "supervisor", "all"))
    for path in ("/console/admin/users", "/console/admin/keys"):
        r = client.get(path)
        assert r.status_code == 403 and "<html" in r.text
    r = client.post("/console/admin/users", data={"csrf": csrf, "id": "x", "role": "admin"})
    assert r.status_code == 403
    r = client.post("/console/admin/keys", data={"csrf": csrf, "name": "k"})
    assert r.status_code == 403
    assert client.get("/console/admin/log").status_code == 200  # supervisors of all units read it


def test_an_admin_adds_a_user_by_unit_name_and_the_token_shown_once_works(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    csrf = admin(client, users)
    form = {"csrf": csrf, "id": "w-laogang", "name": "王师傅", "role": "field_staff",
            "units": "老港镇市容", "expires": "90d"}  # fmt: skip
    r = client.post("/console/admin/users", data=form)
    assert r.status_code == 200, r.text
    token = SECRET.search(r.text)
    assert token, "the token is shown once"
    from gridops.store.accounts import Accounts

    made = Accounts(ctx.store.engine).user("w-laogang")
    assert made.role.value == "field_staff" and len(made.units) == 1
    [unit] = made.units
    assert "老港镇市容" in ctx.ops.org.units[unit].zh
    assert made.token_expires_at is not None
    again = client.get("/console/admin/users").text
    assert not SECRET.search(again) and token.group(1) not in again  # never shown again
    other = TestClient(client.app, base_url="http://testserver")
    sign_in(other, token.group(1))
    assert other.get("/console/field").status_code == 200


def test_bad_input_is_named_beside_its_field_and_kept(client: TestClient, users: Users) -> None:
    csrf = admin(client, users)
    form = {"csrf": csrf, "id": "x y!", "role": "dispatcher", "units": "月球背面",
            "expires": "soon"}  # fmt: skip
    r = client.post("/console/admin/users?lang=en", data=form)
    assert r.status_code == 400 and 'id="error-units"' in r.text and "月球背面" in r.text
    assert 'value="x y!"' in r.text and "Traceback" not in r.text
    form |= {"units": "all", "expires": ""}
    r = client.post("/console/admin/users?lang=en", data=form)
    assert r.status_code == 400 and 'id="error-id"' in r.text and "letters, digits" in r.text
    form |= {"id": "d-2", "expires": "soon"}
    r = client.post("/console/admin/users?lang=zh", data=form)
    assert r.status_code == 400 and 'id="error-expires"' in r.text and "最长十年" in r.text
    form |= {"expires": ""}
    assert client.post("/console/admin/users", data=form).status_code == 200
    r = client.post("/console/admin/users", data=form)
    assert r.status_code == 400 and "该名称已被使用" in r.text
    r = client.post("/console/admin/users", data=form | {"csrf": "0" * 64, "id": "d-3"})
    assert r.status_code == 403


def test_disable_enable_new_token_and_scope(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    from gridops.store.accounts import Accounts

    accounts = Accounts(ctx.store.engine)
    csrf = admin(client, users)
    old = users.add("d-1", "dispatcher", "all")
    r = client.post("/console/admin/users/d-1/disable", data={"csrf": csrf})
    assert r.status_code == 200 and "已停用该用户" in r.text
    assert not accounts.user("d-1").active
    other = TestClient(client.app, base_url="http://testserver")
    refused = other.post("/console/login", data=login_form(other, token=old))
    assert refused.status_code == 403
    client.post("/console/admin/users/d-1/enable", data={"csrf": csrf})
    assert accounts.user("d-1").active
    r = client.post("/console/admin/users/d-1/token", data={"csrf": csrf})
    new = SECRET.search(r.text)
    assert new and new.group(1) != old
    assert other.post("/console/login", data=login_form(other, token=old)).status_code == 403
    scope = {"csrf": csrf, "role": "supervisor", "units": "陆家嘴街道城运分中心"}
    r = client.post("/console/admin/users/d-1/scope", data=scope)
    assert r.status_code == 200, r.text
    changed = accounts.user("d-1")
    assert changed.role.value == "supervisor" and changed.units == frozenset({"sc-310115005"})
    listed = client.get("/console/admin/users").text
    assert 'action="/console/admin/users/root/disable"' not in listed
    r = client.post("/console/admin/users/root/disable", data={"csrf": csrf})  # typed by hand
    assert r.status_code == 400 and "不能停用自己的账号" in r.text and accounts.user("root").active


def test_api_keys_added_with_a_lifetime_shown_once_and_revoked(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    from gridops.store.accounts import Accounts

    csrf = admin(client, users)
    r = client.post("/console/admin/keys", data={"csrf": csrf, "name": "hotline", "expires": "2w"})
    secret = SECRET.search(r.text)
    assert r.status_code == 200 and secret
    [key] = Accounts(ctx.store.engine).list_api_keys()
    assert key.active and key.expires_at is not None and secret.group(1) not in client.get(
        "/console/admin/keys").text  # fmt: skip
    r = client.post("/console/admin/keys/hotline/revoke", data={"csrf": csrf})
    assert r.status_code == 200 and "密钥已吊销" in r.text
    assert not Accounts(ctx.store.engine).list_api_keys()[0].active
    r = client.post("/console/admin/keys", data={"csrf": csrf, "name": "", "expires": ""})
    assert r.status_code == 400 and 'id="error-name"' in r.text


def test_the_account_log_is_paged_newest_first(client: TestClient, users: Users) -> None:
    csrf = admin(client, users)
    for i in range(55):
        users.add(f"u-{i:02d}", "dispatcher", "all")
    client.post("/console/admin/keys", data={"csrf": csrf, "name": "k1"})
    first = client.get("/console/admin/log?lang=en").text
    total = int(re.search(r'id="log-info" data-total="(\d+)"', first).group(1))
    assert total >= 57 and 'id="log-pager"' in first
    seqs = [int(s) for s in re.findall(r'data-seq="(\d+)"', first)]
    assert len(seqs) == 50 and seqs == sorted(seqs, reverse=True)
    assert 'data-action="apikey.add"' in first and "key added" in first
    second = client.get("/console/admin/log?page=2").text
    assert len(re.findall(r'data-seq="(\d+)"', second)) == total - 50
    only = client.get("/console/admin/log?subject=k1").text
    assert re.findall(r'data-action="([a-z.]+)"', only) == ["apikey.add"]


def test_sign_ins_sign_outs_refusals_and_key_use_are_in_the_access_log(
    client: TestClient, ctx: ServiceContext, users: Users
) -> None:
    from .test_views import report

    report(client, ctx, users)  # an Open311 request with a new key
    report(client, ctx, users)  # another key
    client.app.state.web.api_keys.settle()  # key use is noted off the request
    other = TestClient(client.app, base_url="http://testserver")
    other.post("/console/login", data=login_form(other, token="not-a-token"))
    csrf = sign_in(other, users.add("d-1", "dispatcher", "all"))
    other.post("/console/logout", data={"csrf": csrf})

    admin(client, users)
    page = client.get("/console/admin/log?lang=en").text
    access = page[page.index('id="access-table"') :]
    kinds = re.findall(r'<tr data-kind="([a-z_]+)" data-subject="([^"]*)"', access)
    assert kinds[:4] == [("sign_in", "root"), ("sign_out", "d-1"), ("sign_in", "d-1"),
                         ("sign_in_refused", "")]  # fmt: skip
    assert "unknown token" in access and "testclient" in access
    assert kinds[4:] == [("key_use", "console-test-2"), ("key_use", "console-test-1")]


def test_the_account_log_says_what_changed_in_words(client: TestClient, users: Users) -> None:
    """The log's content column showed the raw payload (role=dispatcher units=['sc-…'])."""
    admin(client, users)
    users.add("li-log", "dispatcher", "sc-310115005")
    zh = client.get("/console/admin/log?subject=li-log").text
    row = zh[
        zh.index('data-action="user.add"') : zh.index("</tr>", zh.index('data-action="user.add"'))
    ]
    assert "角色 <b>派遣员</b>" in row and "所属单位 <b>陆家嘴街道城运分中心</b>" in row
    assert "状态 <b>启用</b>" in row and "role=" not in row and "units=" not in row
    assert '姓名 <b translate="no">li-log</b>' in row
    en = client.get("/console/admin/log?subject=li-log&lang=en").text
    assert "Role <b>dispatcher</b>" in en and "Lujiazui operations sub-centre" in en
