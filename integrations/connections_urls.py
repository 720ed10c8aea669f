"""Mounted at /orgs/<org_slug>/connections/."""

from __future__ import annotations

from django.urls import path

from integrations.views import connections, token_connections

urlpatterns = [
    path("", connections.connection_list, name="connection_list"),
    path("<int:integration_id>/card/", connections.connection_card, name="connection_card"),
    path("<int:integration_id>/status/", connections.connection_status, name="connection_status"),
    path("<int:integration_id>/done/", connections.connection_oauth_done, name="connection_oauth_done"),
    path("<int:connection_id>/test/", connections.connection_test, name="connection_test"),
    path("<int:connection_id>/demo-revoke/", connections.connection_demo_revoke, name="connection_demo_revoke"),
    path("<int:integration_id>/token/", token_connections.connection_token_add, name="connection_token_add"),
    path("<int:connection_id>/disconnect/", connections.connection_disconnect, name="connection_disconnect"),
]
