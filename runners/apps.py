from django.apps import AppConfig


class RunnersConfig(AppConfig):
    name = "runners"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from runners.models import Runner
        from runners.wakeup import RUNNER, publish

        # Every process drops its cached credential for a runner that changed or went (credential_cache).
        def announce(sender, instance, **kwargs) -> None:
            publish(RUNNER, instance.pk)

        post_save.connect(announce, sender=Runner, dispatch_uid="runners.announce_save", weak=False)
        post_delete.connect(announce, sender=Runner, dispatch_uid="runners.announce_delete", weak=False)
