"""Clone credentials: minted from the project's connection, sealed to the runner, bound to one runner and one
prebuild attempt, and never shown by a repr."""

from __future__ import annotations

import pytest

from integrations.connections.clone_credentials import api_auth_for, clone_credential_for
from integrations.models.connection import Method
from runners.agent.clone_credential import open_clone_credential, seal_clone_credential
from runners.protocol.sealing import KEY_KIND_X25519, SealError
from runners.sealing import runner_sealing_key

pytestmark = pytest.mark.django_db


def test_an_oauth_connection_gives_its_access_token_as_x_token_auth(projects_setup):
    connection = projects_setup.connections["cloud"]
    credential = clone_credential_for(connection=connection)
    assert (credential.username, credential.password) == ("x-token-auth", connection.access_token)
    assert credential.expires_at == connection.expires_at
    assert connection.access_token not in repr(credential)
    assert api_auth_for(connection) == "bearer"


def test_a_basic_token_connection_gives_its_login_and_a_short_expiry(projects_setup):
    connection = projects_setup.connections["server"]
    connection.method, connection.login = Method.API_TOKEN, "alice@acme.example"
    credential = clone_credential_for(connection=connection)
    assert (credential.username, credential.password) == ("alice@acme.example", connection.access_token)
    assert credential.expires_at is not None and api_auth_for(connection) == "basic"


def test_the_sealed_credential_opens_only_for_its_runner_and_purpose(projects_setup):
    registered = projects_setup.registered
    runner = registered.runner
    key = runner_sealing_key(runner)
    blob = seal_clone_credential(key.public_key, runner_id=runner.pk, purpose="prebuild:5:1", suite=key.suite,
                                 username="x-token-auth", password="s3cr3t", expires_at=None)
    keys = {KEY_KIND_X25519: registered.private_key}
    opened = open_clone_credential(keys, blob, runner_id=runner.pk, purpose="prebuild:5:1")
    assert (opened.username, opened.password) == ("x-token-auth", "s3cr3t") and "s3cr3t" not in repr(opened)
    for runner_id, purpose in ((runner.pk, "prebuild:5:2"), (runner.pk, "prebuild:6:1"), (runner.pk + 1,
                                                                                          "prebuild:5:1")):
        with pytest.raises(SealError):
            open_clone_credential(keys, blob, runner_id=runner_id, purpose=purpose)
