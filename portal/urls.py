from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.http import HttpResponsePermanentRedirect
from django.templatetags.static import static
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from portal.views import members, orgs, tokens


def favicon(request):
    # Resolved per request: under the manifest storage the hashed name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("favicon.svg"))


handler400 = "portal.errors.json_or_html_400"
handler403 = "portal.errors.json_or_html_403"
handler404 = "portal.errors.json_or_html_404"
handler500 = "portal.errors.json_or_html_500"

# Operators sign in through allauth too (its rate limits and two-factor step), never through the admin's own
# login form: /admin/login/ sends them to /accounts/login/?next=/admin/.
admin.site.login = secure_admin_login(admin.site.login)

org_patterns = [
    path("", orgs.org_dashboard, name="org_dashboard"),
    path("settings/", orgs.org_settings, name="org_settings"),
    path("settings/mfa/", orgs.org_require_mfa, name="org_require_mfa"),
    path("delete/", orgs.org_delete, name="org_delete"),
    path("activity/", orgs.org_activity, name="org_activity"),
    path("members/", members.member_list, name="member_list"),
    path("members/<int:membership_id>/role/", members.member_role, name="member_role"),
    path("members/<int:membership_id>/remove/", members.member_remove, name="member_remove"),
    path("invitations/<int:invitation_id>/revoke/", members.invitation_revoke, name="invitation_revoke"),
    path("invitations/<int:invitation_id>/resend/", members.invitation_resend, name="invitation_resend"),
    path("invitations/<int:invitation_id>/role/", members.invitation_role, name="invitation_role"),
]

urlpatterns = [
    path("", orgs.home, name="home"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, API docs, raw JSON).
    path("favicon.ico", favicon),
    path("orgs/new/", orgs.org_create, name="org_create"),
    path("orgs/switch/", orgs.org_switch, name="org_switch"),
    path("orgs/<slug:org_slug>/runners/<int:runner_id>/access/", include("integrations.urls")),
    path("orgs/<slug:org_slug>/runners/", include("runners.urls")),
    path("orgs/<slug:org_slug>/connections/", include("integrations.connections_urls")),
    path("orgs/<slug:org_slug>/projects/<int:project_id>/prebuilds/", include("integrations.prebuilds.urls")),
    path("orgs/<slug:org_slug>/projects/", include("integrations.projects.urls")),
    path("orgs/<slug:org_slug>/environments/", include("environments.urls")),
    path("orgs/<slug:org_slug>/", include(org_patterns)),
    path("invitations/<str:token>/", members.invitation_accept, name="invitation_accept"),
    path("settings/tokens/", tokens.token_list, name="token_list"),
    path("settings/tokens/<int:token_id>/revoke/", tokens.token_revoke, name="token_revoke"),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api_schema"),
    # The split view serves its start-up script from a URL: no inline script under the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api_schema"), name="api_docs"),
    path("api/v1/", include("portal.api.urls")),
    path("api/v1/", include("runners.api.urls")),
    path("api/runner/v1/", include("runners.agent_api.urls")),
    path("api/runner/v1/prebuilds/", include("integrations.prebuilds.agent_api")),
    path("api/runner/v1/environments/", include("environments.agent_api")),
    path("api/v1/", include("integrations.api.urls")),
    path("api/v1/", include("integrations.projects.api.urls")),
    path("api/v1/", include("integrations.prebuilds.api.urls")),
    path("api/v1/", include("environments.api.urls")),
    path("hooks/", include("integrations.webhooks.urls")),
]
