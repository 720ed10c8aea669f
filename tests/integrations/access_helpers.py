"""Shared by the repository-access tests: submit the same input through the dialog, the admin and the API."""

from __future__ import annotations

from django.urls import reverse

from integrations.models import ScmIntegration


def dialog_post(client, runner, data: dict, integration: ScmIntegration | None = None):
    org = runner.organization.slug
    if integration is None:
        url = reverse("integration_add", args=[org, runner.pk])
    else:
        url = reverse("integration_edit", args=[org, runner.pk, integration.pk])
    form = {k: v for k, v in data.items() if not isinstance(v, bool)}
    form.update({k: "on" for k, v in data.items() if v is True})
    return client.post(url, form)


def api_post(client, runner, data: dict):
    """Unticked boxes in the dialog are explicit `false` here: the same input, said in JSON."""
    url = reverse("api_integration_list", args=[runner.organization.slug, runner.pk])
    body = {"oauth_enabled": False, "pat_enabled": False, **data}
    return client.post(url, body, format="json")


def admin_post(client, runner, data: dict):
    """The Runner change form with one new "Repository access" inline row."""
    url = reverse("admin:runners_runner_change", args=[runner.pk])
    form = {
        "name": runner.name,
        "kind": runner.kind,
        "cloud_provider": runner.cloud_provider,
        "region": runner.region,
        "integrations-TOTAL_FORMS": "1",
        "integrations-INITIAL_FORMS": "0",
        "integrations-MIN_NUM_FORMS": "0",
        "integrations-MAX_NUM_FORMS": "1000",
        "_continue": "Save",
    }
    for key, value in data.items():
        if isinstance(value, bool):
            if value:
                form[f"integrations-0-{key}"] = "on"
        else:
            form[f"integrations-0-{key}"] = value
    return client.post(url, form)
