from django.urls import path

from environments.api import views

urlpatterns = [
    path("orgs/<slug:org_slug>/context-urls/parse/", views.ContextUrlParseView.as_view(),
         name="api_context_url_parse"),
]
