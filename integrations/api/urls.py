from django.urls import path

from integrations.api import views

urlpatterns = [
    path(
        "orgs/<slug:org_slug>/runners/<int:runner_id>/integrations/",
        views.IntegrationListView.as_view(),
        name="api_integration_list",
    ),
    path(
        "orgs/<slug:org_slug>/runners/<int:runner_id>/integrations/seal-context/",
        views.SealContextView.as_view(),
        name="api_integration_seal_context",
    ),
    path(
        "orgs/<slug:org_slug>/runners/<int:runner_id>/integrations/<int:integration_id>/",
        views.IntegrationDetailView.as_view(),
        name="api_integration_detail",
    ),
]
