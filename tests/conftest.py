pytest_plugins = ["tests.emulator_fixtures"]

import pytest  # noqa: E402


@pytest.fixture
def world(db):
    """Two orgs (acme = `world.a`, globex = `world.b`), each with owner/admin/member, and an outsider."""
    from tests.factories import make_world

    return make_world()


@pytest.fixture
def client_for(db):
    """`client_for(user)`: a Django test client logged in as `user` (a fresh client per call)."""
    from django.test import Client

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def api_client_for(db):
    """`api_client_for(user)`: a DRF APIClient sending a new personal API token of `user`.

    The token value is on `client.token_value`, its row on `client.token`.
    """
    from rest_framework.test import APIClient

    from portal.services import api_token_create

    def make(user, name: str = "test token"):
        token, value = api_token_create(user=user, name=name)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {value}")
        client.token, client.token_value = token, value
        return client

    return make
