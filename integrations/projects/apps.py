from django.apps import AppConfig


class ProjectsConfig(AppConfig):
    name = "integrations.projects"
    label = "projects"
    verbose_name = "Projects and webhooks"
