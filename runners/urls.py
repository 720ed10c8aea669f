from django.urls import path

from runners import views

urlpatterns = [
    path("", views.runner_list, name="runner_list"),
    path("new/", views.runner_create, name="runner_create"),
    path("<int:runner_id>/", views.runner_detail, name="runner_detail"),
    path("<int:runner_id>/edit/", views.runner_edit, name="runner_edit"),
    path("<int:runner_id>/delete/", views.runner_delete, name="runner_delete"),
    path("<int:runner_id>/registration-token/", views.runner_token_regenerate, name="runner_token_regenerate"),
    path("<int:runner_id>/registration/", views.runner_registration, name="runner_registration"),
    path("<int:runner_id>/status/", views.runner_status, name="runner_status"),
]
