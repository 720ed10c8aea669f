from django.urls import path

from runners.agent_api import views

urlpatterns = [
    path("register", views.RegisterView.as_view(), name="runner_agent_register"),
    path("rotate-key", views.RotateKeyView.as_view(), name="runner_agent_rotate_key"),
    path("heartbeat", views.HeartbeatView.as_view(), name="runner_agent_heartbeat"),
    path("me", views.MeView.as_view(), name="runner_agent_me"),
    path("jobs/next", views.NextJobView.as_view(), name="runner_agent_next_job"),
    path("jobs/<int:job_id>/result", views.JobResultView.as_view(), name="runner_agent_job_result"),
]
