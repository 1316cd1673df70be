"""Guards of destructive endpoints: every refusal is a JSON 4xx; the page's own request passes.

Long on purpose: one place for every way a request can be refused (method, exposure, site, origin,
host, content type, token) on every guarded route, so a gap shows as a missing case here.
"""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import make_mocked_request

from backend.actions import ALLOW_REMOTE_ENV, Exposure, is_loopback_address, remote_actions_opted_in
from backend.api import openapi_document
from backend.api.endpoints import Call, Endpoint, NoBody
from backend.api.errors import ApiError
from backend.api.guards import TOKEN_HEADER, RequestGuard
from backend.api.http import FORM_CONTENT_TYPES
from backend.schemas import ApiModel
from tests.support.actions import CLEAR_VRAM, RESTART, SESSION, TOKEN, Setup, good_headers
from tests.support.api import error_of

DESTRUCTIVE = [RESTART, CLEAR_VRAM]


async def client_for(aiohttp_client: Any, setup: Setup | None = None) -> Any:
    return await aiohttp_client((setup or Setup()).app())


# --- the page's own request -----------------------------------------------------------------


@pytest.mark.parametrize("path", DESTRUCTIVE)
async def test_the_plugin_page_request_passes(aiohttp_client: Any, path: str) -> None:
    client = await client_for(aiohttp_client)
    origin = f"http://{client.server.host}:{client.server.port}"
    resp = await client.post(
        path, json={}, headers=good_headers(Origin=origin, **{"Sec-Fetch-Site": "same-origin"})
    )
    assert resp.status in (200, 202), await resp.text()


async def test_scripts_without_origin_pass_with_the_token(aiohttp_client: Any) -> None:
    # curl and Python scripts send no Origin and no Sec-Fetch-*; the token is what they need.
    client = await client_for(aiohttp_client)
    assert (await client.post(CLEAR_VRAM, data=b"{}", headers=good_headers())).status == 200


async def test_an_empty_json_body_counts_as_an_empty_object(aiohttp_client: Any) -> None:
    client = await client_for(aiohttp_client)
    assert (await client.post(CLEAR_VRAM, data=b"", headers=good_headers())).status == 200


async def test_both_prefixes_are_guarded(aiohttp_client: Any) -> None:
    client = await client_for(aiohttp_client)
    resp = await client.post("/api" + CLEAR_VRAM, json={})
    assert resp.status == 403
    assert (await client.post("/api" + CLEAR_VRAM, json={}, headers=good_headers())).status == 200


# --- method -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", DESTRUCTIVE)
@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "PATCH", "DELETE"])
async def test_other_methods_are_a_json_405(aiohttp_client: Any, path: str, method: str) -> None:
    setup = Setup()
    client = await client_for(aiohttp_client, setup)
    resp = await client.request(method, path, headers=good_headers(), data=b"{}")
    assert resp.status == 405
    assert resp.headers["Allow"] == "POST"
    if method != "HEAD":
        assert (await error_of(resp))["error"] == "method_not_allowed"
    assert setup.host.cleared == 0 and setup.restarts.calls == []


def test_a_destructive_get_is_refused_at_startup() -> None:
    async def handler(_call: Call[Any, Any, Any]) -> ApiModel:
        raise AssertionError("never called")

    with pytest.raises(ValueError, match="POST and DELETE"):
        Endpoint("GET", "/x", "x", "x", handler, None, "t", guard=RequestGuard(token=TOKEN))


async def test_the_guard_refuses_a_non_destructive_method_itself() -> None:
    guard = RequestGuard(token=TOKEN, local_names=())
    request = make_mocked_request("GET", RESTART, headers={"Host": "127.0.0.1:8188"})
    with pytest.raises(ApiError) as info:
        guard.check(request)
    assert info.value.status == 405


# --- content type -------------------------------------------------------------------------------


@pytest.mark.parametrize("content_type", sorted(FORM_CONTENT_TYPES))
@pytest.mark.parametrize("path", DESTRUCTIVE)
async def test_form_content_types_are_a_415(aiohttp_client: Any, content_type: str, path: str) -> None:
    setup = Setup()
    client = await client_for(aiohttp_client, setup)
    headers = {"Content-Type": content_type, TOKEN_HEADER: TOKEN}
    resp = await client.post(path, data=b"{}", headers=headers)
    assert resp.status == 415
    body = await error_of(resp)
    assert body["error"] == "unsupported_media_type"
    assert content_type in body["message"] and "application/json" in body["message"]
    assert setup.host.cleared == 0 and setup.restarts.calls == []


async def test_a_missing_content_type_is_a_415(aiohttp_client: Any) -> None:
    client = await client_for(aiohttp_client)
    resp = await client.post(CLEAR_VRAM, headers={TOKEN_HEADER: TOKEN})
    assert resp.status == 415
    assert "{}" in (await error_of(resp))["message"]


async def test_a_bad_json_body_is_a_400_after_the_guard(aiohttp_client: Any) -> None:
    client = await client_for(aiohttp_client)
    assert (await client.post(CLEAR_VRAM, data=b"{nope", headers=good_headers())).status == 400
    resp = await client.post(CLEAR_VRAM, json={"unload": True}, headers=good_headers())
    assert resp.status == 400
    assert (await error_of(resp))["details"][0]["location"] == "body.unload"


async def test_the_guard_runs_before_the_body_is_read(aiohttp_client: Any) -> None:
    # Without the token, a malformed body is not even parsed: 403, not 400.
    client = await client_for(aiohttp_client)
    resp = await client.post(CLEAR_VRAM, data=b"{nope", headers={"Content-Type": "application/json"})
    assert resp.status == 403


# --- token -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", DESTRUCTIVE)
async def test_a_missing_token_is_a_403_that_says_where_to_get_one(aiohttp_client: Any, path: str) -> None:
    setup = Setup()
    client = await client_for(aiohttp_client, setup)
    resp = await client.post(path, json={})
    assert resp.status == 403
    body = await error_of(resp)
    assert body["error"] == "forbidden"
    assert SESSION in body["message"]
    assert body["details"] == [{"location": f"header.{TOKEN_HEADER}", "message": "missing"}]
    assert setup.host.cleared == 0 and setup.restarts.calls == []


@pytest.mark.parametrize("token", ["wrong", TOKEN + "x", TOKEN[:-1], TOKEN.upper()])
async def test_a_wrong_token_is_a_403(aiohttp_client: Any, token: str) -> None:
    setup = Setup()
    client = await client_for(aiohttp_client, setup)
    resp = await client.post(RESTART, json={}, headers={TOKEN_HEADER: token})
    assert resp.status == 403
    body = await error_of(resp)
    assert "restarted" in body["message"]
    assert body["details"][0]["location"] == f"header.{TOKEN_HEADER}"
    assert setup.restarts.calls == []


def test_each_guard_has_its_own_random_token() -> None:
    first, second = RequestGuard(), RequestGuard()
    assert first.token != second.token
    assert len(first.token) >= 32


# --- site, origin, host -------------------------------------------------------------------------


@pytest.mark.parametrize("site", ["cross-site", "same-site", "CROSS-SITE"])
@pytest.mark.parametrize("path", DESTRUCTIVE)
async def test_sec_fetch_site_cross_and_same_site_are_refused(
    aiohttp_client: Any, site: str, path: str
) -> None:
    setup = Setup()
    client = await client_for(aiohttp_client, setup)
    resp = await client.post(path, json={}, headers=good_headers(**{"Sec-Fetch-Site": site}))
    assert resp.status == 403
    body = await error_of(resp)
    assert body["details"][0]["location"] == "header.Sec-Fetch-Site"
    assert setup.host.cleared == 0 and setup.restarts.calls == []


@pytest.mark.parametrize("site", ["same-origin", "none"])
async def test_sec_fetch_site_same_origin_and_none_pass(aiohttp_client: Any, site: str) -> None:
    client = await client_for(aiohttp_client)
    resp = await client.post(CLEAR_VRAM, json={}, headers=good_headers(**{"Sec-Fetch-Site": site}))
    assert resp.status == 200


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "https://evil.example:443",
        "null",
        "file://",
        "ftp://127.0.0.1",
        "http://127.0.0.2:{port}",
        "http://127.0.0.1:{other}",
        "http://localhost:{port}",
        "http://[::1",
    ],
)
@pytest.mark.parametrize("path", DESTRUCTIVE)
async def test_a_cross_origin_request_is_refused(aiohttp_client: Any, origin: str, path: str) -> None:
    setup = Setup()
    client = await client_for(aiohttp_client, setup)
    port = client.server.port
    resp = await client.post(
        path, json={}, headers=good_headers(Origin=origin.format(port=port, other=port + 1))
    )
    assert resp.status == 403
    body = await error_of(resp)
    assert body["details"][0]["location"] == "header.Origin"
    assert setup.host.cleared == 0 and setup.restarts.calls == []


async def test_the_origin_port_may_be_the_scheme_default() -> None:
    guard = RequestGuard(token=TOKEN, allow_remote=True)
    for origin, host in [
        ("https://comfy.example", "comfy.example"),
        ("http://h:80", "h"),
        ("http://H", "h:80"),
    ]:
        request = make_mocked_request("POST", RESTART, headers={"Host": host, "Origin": origin})
        guard.check_site(request)


@pytest.mark.parametrize(
    "host", ["evil.example:8188", "rebind.attacker.test", "192.168.1.20:8188", "[fe80::1]:8188"]
)
async def test_a_foreign_host_name_is_refused_on_a_loopback_server(host: str) -> None:
    # DNS rebinding: the attacker's name now points at 127.0.0.1, so Origin and Host agree.
    guard = RequestGuard(token=TOKEN, local_names=("my-workstation",))
    request = make_mocked_request(
        "POST",
        RESTART,
        headers={"Host": host, "Origin": f"http://{host}", "Content-Type": "application/json"},
    )
    with pytest.raises(ApiError) as info:
        guard.check_site(request)
    assert info.value.status == 403
    assert info.value.body.details[0].location == "header.Host"
    assert ALLOW_REMOTE_ENV in info.value.body.message


@pytest.mark.parametrize(
    "host",
    ["localhost:8188", "127.0.0.1", "127.0.0.5:1", "[::1]:8188", "app.localhost", "My-Workstation:8188"],
)
async def test_names_of_this_machine_pass(host: str) -> None:
    guard = RequestGuard(token=TOKEN, local_names=("my-workstation",))
    guard.check_site(make_mocked_request("POST", RESTART, headers={"Host": host}))


@pytest.mark.parametrize("host", ["", "[::1", "127.0.0.1:notaport", ":8188"])
async def test_a_malformed_host_header_is_a_403(host: str) -> None:
    guard = RequestGuard(token=TOKEN, local_names=())
    with pytest.raises(ApiError) as info:
        guard.check_site(make_mocked_request("POST", RESTART, headers={"Host": host}))
    assert info.value.status == 403


async def test_a_foreign_host_name_passes_when_the_operator_opted_in() -> None:
    guard = RequestGuard(token=TOKEN, allow_remote=True, local_names=())
    request = make_mocked_request(
        "POST", RESTART, headers={"Host": "comfy.example", "Origin": "https://comfy.example"}
    )
    guard.check_site(request)


# --- exposure ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exposure", "said"),
    [
        (Exposure(listen=("0.0.0.0",)), "--listen 0.0.0.0"),
        (Exposure(listen=("0.0.0.0", "::")), "--listen 0.0.0.0,::"),
        (Exposure(listen=("127.0.0.1", "192.168.1.5")), "--listen 192.168.1.5"),
        (Exposure(listen=("",)), "(all addresses)"),
        (Exposure(listen=("comfy.lan",)), "--listen comfy.lan"),
        (Exposure(listen=("127.0.0.1",), cors_origin="*"), "--enable-cors-header *"),
        (Exposure(listen=("127.0.0.1",), cors_origin="http://x.test"), "CORS is open"),
        (Exposure.unknown(), "could not tell"),
        (Exposure(listen=("0.0.0.0",), listen_option="--host"), "--host 0.0.0.0"),
    ],
)
@pytest.mark.parametrize("path", DESTRUCTIVE)
async def test_an_exposed_server_refuses_with_how_to_opt_in(
    aiohttp_client: Any, exposure: Exposure, said: str, path: str
) -> None:
    setup = Setup(exposure=exposure)
    client = await client_for(aiohttp_client, setup)
    resp = await client.post(path, json={}, headers=good_headers())
    assert resp.status == 403
    body = await error_of(resp)
    assert said in body["message"]
    assert f"{ALLOW_REMOTE_ENV}=1" in body["message"]
    assert setup.host.cleared == 0 and setup.restarts.calls == []


async def test_the_opt_in_allows_an_exposed_server(aiohttp_client: Any) -> None:
    setup = Setup(exposure=Exposure(listen=("0.0.0.0",), cors_origin="*"), allow_remote=True)
    client = await client_for(aiohttp_client, setup)
    assert (await client.post(CLEAR_VRAM, json={}, headers=good_headers())).status == 200
    # The opt-in relaxes exposure only: cross-site requests and missing tokens are still refused.
    assert (
        await client.post(CLEAR_VRAM, json={}, headers=good_headers(Origin="http://evil.example"))
    ).status == 403
    assert (await client.post(CLEAR_VRAM, json={})).status == 403


async def test_exposure_is_read_on_every_request(aiohttp_client: Any) -> None:
    setup = Setup()
    client = await client_for(aiohttp_client, setup)
    assert (await client.post(CLEAR_VRAM, json={}, headers=good_headers())).status == 200
    setup.exposure = Exposure(listen=("0.0.0.0",))
    assert (await client.post(CLEAR_VRAM, json={}, headers=good_headers())).status == 403


async def test_an_exposure_reader_that_fails_refuses() -> None:
    def broken() -> Exposure:
        raise RuntimeError("no cli args")

    guard = RequestGuard(exposure=broken, token=TOKEN, allow_remote=False)
    assert guard.refusal_reason() is not None
    assert "could not tell" in (guard.refusal_reason() or "")


@pytest.mark.parametrize(
    ("listen", "loopback"),
    [
        (("127.0.0.1",), True),
        (("127.0.0.1", "::1"), True),
        (("localhost",), True),
        (("127.2.2.2", "127.3.3.3"), True),
        (("0.0.0.0",), False),
        (("::",), False),
        ((), False),
    ],
)
def test_loopback_only(listen: tuple[str, ...], loopback: bool) -> None:
    assert Exposure(listen=listen).loopback_only is loopback


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", True), ("true", True), ("YES", True), (" on ", True), ("0", False), ("", False), ("no", False)],
)
def test_the_opt_in_variable(value: str, expected: bool) -> None:
    assert remote_actions_opted_in({ALLOW_REMOTE_ENV: value}) is expected
    assert remote_actions_opted_in({}) is False


def test_the_guard_reads_the_opt_in_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW_REMOTE_ENV, "1")
    assert RequestGuard().allow_remote is True
    monkeypatch.delenv(ALLOW_REMOTE_ENV)
    assert RequestGuard().allow_remote is False


@pytest.mark.parametrize(
    ("address", "loopback"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("LOCALHOST", True),
        ("x.localhost", True),
        ("0.0.0.0", False),
        ("10.0.0.1", False),
        ("example.com", False),
        ("", False),
    ],
)
def test_is_loopback_address(address: str, loopback: bool) -> None:
    assert is_loopback_address(address) is loopback


# --- the session endpoint -----------------------------------------------------------------------


async def test_session_gives_the_token_to_the_page_and_no_cors_headers(aiohttp_client: Any) -> None:
    client = await client_for(aiohttp_client)
    resp = await client.get(SESSION, headers={"Sec-Fetch-Site": "same-origin"})
    assert resp.status == 200
    body = await resp.json()
    assert body["token"] == TOKEN
    assert body["token_header"] == TOKEN_HEADER
    assert body["actions_allowed"] is True and body["actions_refused_reason"] is None
    assert resp.headers["Cache-Control"] == "no-store"
    assert not any(h.lower().startswith("access-control-") for h in resp.headers)


@pytest.mark.parametrize(
    "headers",
    [{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}, {"Host": "rebind.attacker.test"}],
)
async def test_session_refuses_cross_site_readers(aiohttp_client: Any, headers: dict[str, str]) -> None:
    client = await client_for(aiohttp_client)
    resp = await client.get(SESSION, headers=headers)
    assert resp.status == 403
    assert TOKEN not in await resp.text()


@pytest.mark.parametrize("host", [None, "192.168.1.5:8188", "comfy.lan"])
async def test_session_withholds_the_token_on_an_exposed_server(
    aiohttp_client: Any, host: str | None
) -> None:
    # Reached through its network name, the page still learns why its buttons cannot act.
    client = await client_for(aiohttp_client, Setup(exposure=Exposure(listen=("0.0.0.0",))))
    resp = await client.get(SESSION, headers={"Host": host} if host else None)
    assert resp.status == 200
    body = await resp.json()
    assert body["token"] is None
    assert body["actions_allowed"] is False
    assert "--listen 0.0.0.0" in body["actions_refused_reason"]
    assert ALLOW_REMOTE_ENV in body["actions_refused_reason"]
    resp = await client.post(CLEAR_VRAM, json={}, headers=good_headers(**({"Host": host} if host else {})))
    assert resp.status == 403
    assert "--listen 0.0.0.0" in (await error_of(resp))["message"]


async def test_a_preflight_gets_no_cors_approval(aiohttp_client: Any) -> None:
    client = await client_for(aiohttp_client)
    resp = await client.options(
        RESTART,
        headers={
            "Origin": "http://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": f"content-type,{TOKEN_HEADER.lower()}",
        },
    )
    assert "Access-Control-Allow-Origin" not in resp.headers
    assert "Access-Control-Allow-Headers" not in resp.headers


# --- fail closed ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["POST", "DELETE"])
def test_a_destructive_endpoint_without_a_guard_cannot_be_declared(method: str) -> None:
    # Fail closed, at startup: a POST or DELETE the guard was forgotten on never serves a request.
    async def handler(_call: Call[Any, Any, Any]) -> ApiModel:
        raise AssertionError("must not run")

    with pytest.raises(ValueError, match="needs a request guard"):
        Endpoint(method, "/x", "x", "x", handler, None, "t", body_model=NoBody)


def test_openapi_declares_the_token_header_and_refusals_on_destructive_operations() -> None:
    document = openapi_document("0.0.0")
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            params = {p["name"]: p for p in operation.get("parameters", []) if p["in"] == "header"}
            if method in ("post", "delete") and operation["operationId"] in ("restartServer", "clearVram"):
                assert params[TOKEN_HEADER]["required"] is True, path
                assert {"403", "415"} <= set(operation["responses"]), path
                assert "requestBody" in operation, path
            if method == "get":
                assert TOKEN_HEADER not in params, path
