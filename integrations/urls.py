from django.urls import path

from integrations.views import access

urlpatterns = [
    path("add/", access.access_add, name="access_add"),
    path("callback-url/", access.access_callback_url, name="access_callback_url"),
    path("<int:integration_id>/", access.access_edit, name="access_edit"),
    path("<int:integration_id>/remove/", access.access_remove, name="access_remove"),
]
