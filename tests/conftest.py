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


@pytest.fixture(scope="session", autouse=True)
def _end_stray_database_sessions(request):
    """Live-server threads still serving a long poll when a test ends keep a database session open,
    and PostgreSQL then refuses to drop the test database. End those sessions first."""
    if not request.config.pluginmanager.hasplugin("django"):
        yield
        return
    request.getfixturevalue("django_db_setup")
    blocker = request.getfixturevalue("django_db_blocker")
    yield
    from django.db import connection

    # Only ever a test database: never end sessions on a database this run did not create.
    if connection.vendor != "postgresql" or not connection.settings_dict["NAME"].startswith("test_"):
        return
    with blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def mfa_staff(db):
    """An operator (staff and superuser) with two-factor authentication set up, as staff must have."""
    from tests.factories import staff_with_mfa

    return staff_with_mfa()


@pytest.fixture(autouse=True)
def _fresh_cache(request):
    """Each test starts with an empty cache (rate-limit counters live there). Only this process's keys
    are deleted: other pytest runs share the Redis database under their own prefix."""
    if not request.config.pluginmanager.hasplugin("django"):
        return
    from django.conf import settings
    from django.core.cache import cache

    from portal import security_events

    security_events._local_seen.clear()  # this process's memory of the same trail
    prefix = settings.CACHES["default"].get("KEY_PREFIX")
    if not prefix or "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        cache.clear()
        return
    client = cache._cache.get_client()
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(autouse=True)
def _own_host_limits():
    """Each test its own provider host-limit namespace (integrations/providers/host_limits.py), so one
    test's 429 pause or held slot never slows the next, and parallel runs never share slots."""
    import uuid

    try:
        from integrations.providers import host_limits
    except Exception:  # a test run without the portal's packages (the emulator alone)
        yield
        return
    host_limits.namespace = f":t{uuid.uuid4().hex[:10]}"
    yield
