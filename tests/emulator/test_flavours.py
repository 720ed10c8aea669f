"""A flavour is one package plus one registration line: the core routes to it by its mount, answers
faults and unknown paths in its error shape, serves its control routes and shows it in /state."""

from __future__ import annotations

import json
from email.message import Message

from emulator.__main__ import parse_args
from emulator.app import Emulator
from emulator.config import Settings
from emulator.flavour import Flavour
from emulator.flavours import FLAVOURS
from emulator.httpcore import Request, Response, Router


def _toy_flavour() -> Flavour:
    def routes(router: Router) -> None:
        router.add("GET", "/api/v4/user", lambda app, request: Response.json(200, {"username": "toy-user"}))

    def control(router: Router) -> None:
        router.add("POST", "/toy/users", lambda app, request: Response.json(201, {"created": True}))

    return Flavour(
        name="toy",
        add_arguments=lambda parser: None,
        settings_from_args=lambda args, public_url: {"url": public_url + "/toy"},
        new_state=dict,
        mount=lambda settings: "/toy",
        register_routes=routes,
        register_control=control,
        error_response=lambda status, message: Response.json(status, {"toy_error": message}),
        summary=lambda app: {"urls": {"toy": "http://emulator.test/toy"}, "settings": {}, "state": {"users": 0}},
        seeds={},
    )


def _request(method: str, path: str, body: dict | None = None) -> Request:
    headers = Message()
    headers["Content-Type"] = "application/json"
    return Request(method, path, {}, headers, json.dumps(body).encode() if body is not None else b"")


def _emulator() -> Emulator:
    toy = _toy_flavour()
    registered = (*FLAVOURS, toy)  # the one registration line, as emulator/flavours.py has it
    args = parse_args([])
    public = "http://emulator.test"
    settings = Settings(public, {f.name: f.settings_from_args(args, public) for f in registered})
    return Emulator(settings, flavours=registered)


def test_a_registered_flavour_is_routed_faulted_controlled_and_summarized():
    emulator = _emulator()

    answer = emulator.dispatch(_request("GET", "/toy/api/v4/user"))
    assert answer.status == 200 and json.loads(answer.body) == {"username": "toy-user"}

    missing = emulator.dispatch(_request("GET", "/toy/api/v4/nothing"))
    assert missing.status == 404 and "toy_error" in json.loads(missing.body)

    emulator.dispatch(_request("POST", "/_emulator/faults", {"path": "^/toy/", "kind": "status", "status": 503}))
    faulted = emulator.dispatch(_request("GET", "/toy/api/v4/user"))
    assert faulted.status == 503 and "toy_error" in json.loads(faulted.body)

    assert emulator.dispatch(_request("POST", "/_emulator/toy/users", {})).status == 201
    state = json.loads(emulator.dispatch(_request("GET", "/_emulator/state")).body)
    assert state["toy"] == {"users": 0} and state["mounts"]["toy"] == "/toy"
    assert state["urls"]["toy"] == "http://emulator.test/toy"


def test_the_bitbucket_flavours_keep_their_mounts_and_error_shapes():
    emulator = _emulator()
    cloud = emulator.dispatch(_request("GET", "/2.0/nothing"))
    server = emulator.dispatch(_request("GET", "/bbs/bitbucket/rest/api/1.0/nothing"))
    assert json.loads(cloud.body)["type"] == "error"
    assert json.loads(server.body)["errors"][0]["message"].startswith("Resource not found")
