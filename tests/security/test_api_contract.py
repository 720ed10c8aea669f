"""schemathesis against /api/schema/ (finding F12 and the planned API fuzzing): every operation, with
generated valid and invalid input, answers without a server error, only with statuses its schema
documents, with bodies that match the documented schema, and every error in the one shape.

Bounded for CI: a fixed number of examples per operation and mode, derandomized so a run is repeatable
(SCHEMATHESIS_EXAMPLES raises the budget for a deeper local run). Each example runs in a savepoint that
is rolled back, so a DELETE of the org does not starve the examples after it."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from integrations.forms import ScmIntegrationForm
from integrations.submit import integration_submit
from portal.models import Invitation
from runners import services as runner_services
from tests.factories import InvitationFactory
from tests.runners.conftest import register_runner

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "12"))


def error_shape(ctx, response, case) -> None:
    """Every 4xx/5xx body is {"error": {"code": str, "message": str, "fields": {name: [str]}}}."""
    if response.status_code < 400:
        return
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"] and isinstance(error["message"], str), error
    assert all(isinstance(v, list) and all(isinstance(m, str) for m in v) for v in error["fields"].values()), error


def _only_scalars_for_text(case) -> bool:
    """The case's only mutations give a number or boolean where the schema says string. DRF reads JSON
    scalars into text fields as their text ("name": 5 is the name "5"), an accepted leniency here; every
    other invalid input must be refused."""
    mutations = getattr(getattr(case.meta.phase, "data", None), "mutations", ()) if case.meta else ()
    return bool(mutations) and all(
        tuple(m.keywords) == ("type",) and m.original_value == "string"
        and m.new_value in ("integer", "number", "boolean") for m in mutations)


def rejects_invalid_input(ctx, response, case):
    # 413 refuses the body too (before it is read: over 2.5 MB); schemathesis's list of rejections lacks it.
    if _only_scalars_for_text(case) or response.status_code == 413:
        return None
    return negative_data_rejection(ctx, response, case)


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          error_shape]


@pytest.fixture
def in_process():
    """Requests through the WSGI app in this thread, inside the test's transaction: like Django's test
    client, keep the end of a request from closing the test's database connection."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_world(world, api_client_for, in_process):
    """Real objects for the path parameters (random ids only ever find 404s), and credentials."""
    reg = register_runner(world.a.org, world.a.admin)
    form = ScmIntegrationForm({"provider": "github", "oauth_enabled": "on", "pat_enabled": "on",
                               "client_id": "Iv1.contract", "client_secret": "contract-secret"}, runner=reg.runner)
    integration = integration_submit(form=form, actor=world.a.admin).integration
    job = runner_services.runner_job_create(runner=reg.runner, kind="noop", payload={}, timeout=60)
    invitation = InvitationFactory(organization=world.a.org, invited_by=world.a.owner)
    token = api_client_for(world.a.owner).token_value
    return {
        "path": {"org_slug": "acme", "runner_id": reg.runner.pk, "integration_id": integration.pk,
                 "membership_id": world.a.membership("member").pk, "invitation_id": invitation.pk,
                 "job_id": job.pk},
        "person": {"Authorization": f"Bearer {token}"},
        "runner": {"Authorization": f"Runner {reg.credential}"},
    }


def _operations():
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    # Credentials are ours (a valid token or runner credential), not generated; and unknown query
    # parameters are ignored, as HTTP APIs commonly do, so they are not "invalid input" here.
    schema.config.generation.with_security_parameters = False
    schema.config.generation.allow_extra_parameters = False
    return [result.ok() for result in schema.get_all_operations()]


def exercise(strategy, headers: dict, checks: list) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        with transaction.atomic():
            response = case.call(headers=headers)
            case.validate_response(response, checks=checks, headers=headers)
            transaction.set_rollback(True)

    run()


def test_every_operation_keeps_its_contract(api_world):
    operations = _operations()
    assert len(operations) >= 20
    for operation in operations:
        headers = api_world["runner"] if operation.path.startswith("/api/runner/") else api_world["person"]
        known = {k: v for k, v in api_world["path"].items() if "{" + k + "}" in operation.path}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            checks = CHECKS + ([rejects_invalid_input] if mode == GenerationMode.NEGATIVE else [])
            try:
                exercise(operation.as_strategy(generation_mode=mode, path_parameters=known), headers, checks)
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE, f"{operation.method} {operation.path}: no valid input"
                # Nothing in this operation can be made invalid (no body, no parameters of its own).
            except Exception as exc:
                raise AssertionError(f"{operation.method.upper()} {operation.path} ({mode}): {exc}") from exc
    assert Invitation.objects.exists()
