from django.urls import path

from integrations.views import integrations

urlpatterns = [
    path("add/", integrations.integration_add, name="integration_add"),
    path("seal-context/", integrations.integration_seal_context, name="integration_seal_context"),
    path("callback-url/", integrations.integration_callback_url, name="integration_callback_url"),
    path("<int:integration_id>/", integrations.integration_edit, name="integration_edit"),
    path("<int:integration_id>/remove/", integrations.integration_remove, name="integration_remove"),
]
