from django.urls import path

from integrations.projects.api import views

PROJECT = "orgs/<slug:org_slug>/projects/<int:project_id>/"

urlpatterns = [
    path("orgs/<slug:org_slug>/projects/", views.ProjectListView.as_view(), name="api_project_list"),
    path(PROJECT, views.ProjectDetailView.as_view(), name="api_project_detail"),
    path(PROJECT + "reinstall/", views.ProjectReinstallView.as_view(), name="api_project_reinstall"),
    path(PROJECT + "deliveries/", views.DeliveryListView.as_view(), name="api_delivery_list"),
    path(PROJECT + "deliveries/<int:delivery_id>/redeliver/", views.DeliveryRedeliverView.as_view(),
         name="api_delivery_redeliver"),
]
