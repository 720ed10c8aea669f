"""`python -m runners.agent seal`: seal a client secret for the portal's API on this machine, so the
portal receives only `client_secret_sealed` + `suite` (no agent state needed: it uses the runner's
published public key, fetched with an API token).

    export PORTAL_API_TOKEN=...            # a personal API token of an org admin
    python -m runners.agent seal --portal https://portal.example --org acme --runner 3 \\
        --provider bitbucket-server --host https://git.example.com --client-id KEY < secret.txt
    # -> {"client_secret_sealed": "...", "suite": "..."}: add client_id etc. and POST/PATCH it
    # An Azure DevOps tenant that is not saved yet is part of the token URL: --option tenant=contoso.com
"""

from __future__ import annotations

import base64
import getpass
import json
import os
import sys

import httpx

from runners.protocol.sealing import client_secret_document, seal


def fetch_context(args) -> dict:
    token = os.environ.get("PORTAL_API_TOKEN", "")
    if not token:
        raise SystemExit("error: set PORTAL_API_TOKEN to an API token of an admin of the organization.")
    params = {k: v for k, v in {"provider": args.provider, "host": args.host,
                                "integration": args.integration}.items() if v}
    for option in args.option or ():
        key, sep, value = option.partition("=")
        if not sep or not key.strip():
            raise SystemExit(f"error: --option takes KEY=VALUE, not {option!r}.")
        params[f"options.{key.strip()}"] = value
    url = f"{args.portal.rstrip('/')}/api/v1/orgs/{args.org}/runners/{int(args.runner)}/integrations/seal-context/"
    try:
        response = httpx.get(url, params=params, headers={"Authorization": f"Bearer {token}",
                                                          "Accept": "application/json"}, timeout=15.0)
    except httpx.HTTPError as exc:
        raise SystemExit(f"error: cannot reach the portal: {type(exc).__name__}") from None
    if response.status_code != 200:
        try:
            message = response.json()["error"]["message"]
        except (ValueError, KeyError, TypeError):
            message = f"HTTP {response.status_code}"
        raise SystemExit(f"error: the portal refused: {message}")
    return response.json()


def read_secret() -> str:
    secret = sys.stdin.readline() if not sys.stdin.isatty() else getpass.getpass("Client secret: ")
    secret = secret.strip()
    if not secret:
        raise SystemExit("error: no client secret on standard input.")
    return secret


def cmd_seal(args) -> int:
    context = fetch_context(args)
    document = client_secret_document(client_id=args.client_id, client_secret=read_secret(),
                                      token_url=context["token_url"], client_auth=context["client_auth"])
    blob = seal(context["public_key"], document, context["info"].encode("ascii"), suite=context["suite"])
    print(json.dumps({"client_secret_sealed": base64.b64encode(blob.ciphertext).decode("ascii"),
                      "suite": blob.suite}))
    return 0


def add_parser(sub) -> None:
    parser = sub.add_parser("seal", help="seal a client secret for the portal's API (reads it from stdin)")
    parser.add_argument("--portal", required=True, help="the portal's base URL")
    parser.add_argument("--org", required=True, help="the organization's slug")
    parser.add_argument("--runner", required=True, type=int, help="the runner's id")
    parser.add_argument("--integration", type=int, help="an existing integration's id")
    parser.add_argument("--provider", default="", help="for a new integration: its provider id")
    parser.add_argument("--host", default="", help="for a new integration: its host, if the provider takes one")
    parser.add_argument("--client-id", required=True, help="the OAuth app's client ID (sealed with the secret)")
    parser.add_argument("--option", action="append", metavar="KEY=VALUE",
                        help="a provider option the token URL is built from, as it will be saved "
                             "(Azure DevOps: tenant=<directory ID or domain>); repeatable")
