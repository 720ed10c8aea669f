"""The parser behind its two surfaces: `manage.py resolve_context` and POST /api/v1/orgs/{org}/context-urls/parse/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from integrations.models import ScmIntegration
from runners.models import Runner

ROOT = Path(__file__).resolve().parents[2]
SERVER = "https://git.acme.example/bitbucket"


def register_server(org, host=SERVER):
    runner = Runner.objects.create(organization=org, name=f"r-{org.slug}", region="eu-west-1", cloud_provider="aws")
    return ScmIntegration.objects.create(organization=org, runner=runner, provider="bitbucket-server", host=host,
                                         oauth_enabled=False)


def run_command(*urls, org=None):
    from io import StringIO

    out = StringIO()
    code = 0
    try:
        call_command("resolve_context", *urls, *(["--org", org] if org else []), stdout=out)
    except SystemExit as exc:
        code = exc.code
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


@pytest.mark.django_db
def test_command_prints_one_json_object_per_url(world):
    register_server(world.a.org)
    code, lines = run_command("https://bitbucket.org/acme/webapp/pull-requests/3",
                              f"{SERVER}/projects/ACME/repos/backend/browse?at=refs/tags/v1")
    assert code == 0
    assert lines[0] == {"url": "https://bitbucket.org/acme/webapp/pull-requests/3", "provider": "bitbucket-cloud",
                        "host": "https://bitbucket.org", "owner": "acme", "repo": "webapp", "kind": "pull_request",
                        "ref": None, "commit": None, "number": 3, "path": None,
                        "clone_url": "https://bitbucket.org/acme/webapp.git"}
    assert (lines[1]["provider"], lines[1]["host"], lines[1]["kind"], lines[1]["ref"]) == (
        "bitbucket-server", SERVER, "tag", "v1")


@pytest.mark.django_db
def test_command_exits_1_when_any_url_fails_and_still_prints_the_others(world):
    code, lines = run_command("https://example.com/nope", "git@github.com:octo/hello.git")
    assert code == 1
    assert lines[0]["url"] == "https://example.com/nope" and "example.com is not a host" in lines[0]["error"]
    assert lines[1]["repo"] == "hello"


@pytest.mark.django_db
def test_command_org_option_narrows_the_registered_hosts(world):
    register_server(world.b.org, host="https://git.globex.example")
    url = "ssh://git@git.globex.example/web/site.git"
    assert run_command(url)[0] == 0
    code, lines = run_command(url, org="acme")
    assert code == 1 and "git.globex.example is not a host" in lines[0]["error"]


def test_command_runs_as_operators_run_it():
    done = subprocess.run([sys.executable, "manage.py", "resolve_context", "https://github.com/octo/hello/pull/2"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings_test"})
    # The test settings name a database this process never created: the command still parses, and says
    # that registered hosts were not read.
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout)["number"] == 2
    assert "registered hosts" in done.stderr


# --- API ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_api_parses_with_the_orgs_registered_hosts(world, api_client_for):
    register_server(world.a.org)
    response = api_client_for(world.a.member).post("/api/v1/orgs/acme/context-urls/parse/",
                                                   {"url": f"{SERVER}/users/alice/repos/notes"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["owner"] == "~alice"
    assert response.json()["clone_url"] == f"{SERVER}/scm/~alice/notes.git"


@pytest.mark.django_db
def test_api_does_not_know_another_orgs_hosts(world, api_client_for):
    register_server(world.b.org, host="https://git.globex.example")
    response = api_client_for(world.a.member).post("/api/v1/orgs/acme/context-urls/parse/",
                                                   {"url": "https://git.globex.example/x/y"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and "git.globex.example is not a host" in error["fields"]["url"][0]


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"url": 12}, {"url": ""}, {"url": ["https://bitbucket.org/a/b"]}])
def test_api_refuses_bad_input_naming_the_field(world, api_client_for, body):
    response = api_client_for(world.a.member).post("/api/v1/orgs/acme/context-urls/parse/", body, format="json")
    assert response.status_code == 400
    assert "url" in response.json()["error"]["fields"]


@pytest.mark.django_db
def test_api_other_org_is_404(world, api_client_for):
    response = api_client_for(world.a.member).post("/api/v1/orgs/globex/context-urls/parse/",
                                                   {"url": "https://bitbucket.org/a/b"}, format="json")
    assert response.status_code == 404
