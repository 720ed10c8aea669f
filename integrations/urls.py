from django.urls import path

from integrations.views import integrations

urlpatterns = [
    path("add/", integrations.integration_add, name="integration_add"),
    path("<int:integration_id>/", integrations.integration_edit, name="integration_edit"),
    path("<int:integration_id>/remove/", integrations.integration_remove, name="integration_remove"),
]
