from django.urls import path

from portal.api import views

urlpatterns = [
    path("orgs/", views.OrganizationListView.as_view(), name="api_org_list"),
    path("orgs/<slug:org_slug>/", views.OrganizationDetailView.as_view(), name="api_org_detail"),
    path("orgs/<slug:org_slug>/members/", views.MemberListView.as_view(), name="api_member_list"),
    path("orgs/<slug:org_slug>/members/<int:membership_id>/", views.MemberDetailView.as_view(),
         name="api_member_detail"),
    path("orgs/<slug:org_slug>/invitations/", views.InvitationListView.as_view(), name="api_invitation_list"),
    path("orgs/<slug:org_slug>/invitations/<int:invitation_id>/", views.InvitationDetailView.as_view(),
         name="api_invitation_detail"),
]
