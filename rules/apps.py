from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "rules"
    label = "rules"
    verbose_name = "Automation rules"

    def ready(self) -> None:
        from rules import event_sources, tasks  # noqa: F401  (the engine's Celery tasks, looked up by name)

        event_sources.connect()  # the domain models' events, the runs' events, the rule index kept in step
