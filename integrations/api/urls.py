from django.urls import path

from integrations.api import connections, views

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
    path("orgs/<slug:org_slug>/connections/", connections.ConnectionListView.as_view(), name="api_connection_list"),
    path("orgs/<slug:org_slug>/connections/<int:connection_id>/", connections.ConnectionDetailView.as_view(),
         name="api_connection_detail"),
    path("orgs/<slug:org_slug>/connections/<int:connection_id>/verify/", connections.ConnectionVerifyView.as_view(),
         name="api_connection_verify"),
]
