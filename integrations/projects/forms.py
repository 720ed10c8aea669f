"""The one input form for creating a project: the picker's Create button and the API both use it."""

from __future__ import annotations

from django import forms

from integrations.projects.selectors import connection_list_for_projects
from portal.models import Organization
from runners.models import Runner


class ProjectCreateForm(forms.Form):
    runner = forms.ModelChoiceField(queryset=Runner.objects.none(), required=False,
                                    help_text="Optional; when given it must be the connection's runner.")
    connection = forms.ModelChoiceField(queryset=None, error_messages={
        "invalid_choice": "Choose one of your own Bitbucket connections in this organization."})
    repository = forms.CharField(max_length=201, help_text="workspace/slug (Cloud), PROJECTKEY/slug or "
                                                            "~user/slug (Server)")
    prebuilds = forms.BooleanField(required=False, initial=True)

    def __init__(self, *args, org: Organization, user, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["connection"].queryset = connection_list_for_projects(org=org, user=user)
        self.fields["runner"].queryset = Runner.objects.filter(organization=org)
        self.fields["runner"].error_messages["invalid_choice"] = "No such runner in this organization."

    def clean(self) -> dict:
        data = super().clean()
        connection, runner, repository = data.get("connection"), data.get("runner"), data.get("repository")
        if connection is None:
            return data
        if runner is not None and connection.integration.runner_id != runner.pk:
            self.add_error("connection", f"This connection is to a provider on runner "
                                         f"{connection.integration.runner.name}, not {runner.name}.")
        support = connection.integration.scm_provider.projects
        if repository and support is not None:
            # The provider's own repository names (Cloud: workspace/slug; Server: KEY/slug or ~user/slug).
            if not support.repository_pattern.fullmatch(repository.strip()):
                self.add_error("repository", f"Enter the repository as {support.repository_example}.")
            else:
                data["repository"] = repository.strip()
        return data
