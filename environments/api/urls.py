from django.urls import path

from environments.api import views

urlpatterns = [
    path("orgs/<slug:org_slug>/context-urls/parse/", views.ContextUrlParseView.as_view(),
         name="api_context_url_parse"),
    path("orgs/<slug:org_slug>/environments/", views.EnvironmentRequestListView.as_view(),
         name="api_environment_list"),
    path("orgs/<slug:org_slug>/environments/<int:environment_id>/", views.EnvironmentRequestDetailView.as_view(),
         name="api_environment_detail"),
]
