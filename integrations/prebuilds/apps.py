from django.apps import AppConfig


class PrebuildsConfig(AppConfig):
    name = "integrations.prebuilds"
    label = "prebuilds"
    verbose_name = "Prebuilds"

    def ready(self) -> None:
        from integrations.prebuilds.services import prebuilds_from_delivery
        from integrations.projects.deliveries import delivery_effect_register

        # Processing a push or pull request queues prebuilds (in the delivery's own transaction).
        delivery_effect_register(lambda project, delivery: prebuilds_from_delivery(project=project,
                                                                                   delivery=delivery))
