"""The agent's environment job without a portal: the sealed credential opens only for its runner and purpose,
the command's output is masked (plain and URL-encoded), a hung command is stopped, and the protocol knows the kind."""

from __future__ import annotations

import sys

import pytest

from runners.agent import environment
from runners.agent.clone_credential import OpenedCloneCredential, open_clone_credential, seal_clone_credential
from runners.agent.jobs import HANDLERS
from runners.protocol import jobs as protocol
from runners.protocol.sealing import SealError, generate_private_key, public_key_b64

SECRET = "s3cr/t+token"


def payload(**overrides) -> protocol.EnvironmentPayload:
    values = dict(environment_request_id=7, purpose="environment:7", provider="bitbucket-cloud",
                  repository="acme/webapp", clone_url="https://bitbucket.org/acme/webapp.git", ref="main",
                  ref_type="branch", commit="a" * 40, commit_api_url="http://127.0.0.1:9/commit", api_auth="bearer",
                  git_author_name="Alice", git_author_email="alice@example.test", sealed_credential="")
    values.update(overrides)
    return protocol.EnvironmentPayload(**values)


def credential() -> OpenedCloneCredential:
    return OpenedCloneCredential(username="x-token-auth", password=SECRET)


def test_the_kind_is_in_the_protocol_and_the_agent_handles_it():
    encoded = protocol.encode(payload())
    assert protocol.decode_payload("environment", encoded) == payload()
    assert "sealed_credential" not in repr(payload(sealed_credential="blob"))
    assert protocol.JobKind.ENVIRONMENT in HANDLERS


def test_output_is_masked_plain_and_url_encoded(tmp_path):
    script = tmp_path / "leak.py"
    script.write_text("import os, urllib.parse as u\np = os.environ['ENVIRONMENT_GIT_PASSWORD']\n"
                      "print('ready with', p, u.quote(p, safe=''), os.environ['GIT_AUTHOR_NAME'])\n")
    state, reason, detail = environment.run_command(f"{sys.executable} {script}", payload(), credential())
    assert (state, reason) == ("started", "")
    assert detail == "ready with *** *** Alice" and SECRET not in detail


def test_a_failing_command_reports_its_last_lines(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text("import sys\nprint('line one', file=sys.stderr)\nprint('no space left', file=sys.stderr)\n"
                      "sys.exit(2)\n")
    state, reason, _ = environment.run_command(f"{sys.executable} {script}", payload(), credential())
    assert state == "failed" and reason == "The environment command exited with status 2: line one\nno space left"


def test_a_hung_command_is_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr(environment, "COMMAND_TIMEOUT", 0.5)
    script = tmp_path / "hang.py"
    script.write_text("import time\ntime.sleep(30)\n")
    state, reason, _ = environment.run_command(f"{sys.executable} {script}", payload(), credential())
    assert state == "failed" and "did not finish within 0.5 seconds" in reason


def test_a_missing_command_is_a_failure_not_a_crash():
    state, reason, _ = environment.run_command("/nonexistent/start-env", payload(), credential())
    assert state == "failed" and "could not run" in reason


def test_the_credential_opens_only_for_its_runner_and_purpose():
    key = generate_private_key()
    blob = seal_clone_credential(public_key_b64(key), runner_id=3, purpose="environment:7", username="u",
                                 password=SECRET, expires_at=None)
    assert open_clone_credential(key, blob, runner_id=3, purpose="environment:7").password == SECRET
    for runner_id, purpose in ((4, "environment:7"), (3, "environment:8"), (3, "prebuild:7")):
        with pytest.raises(SealError):
            open_clone_credential(key, blob, runner_id=runner_id, purpose=purpose)
