from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "rules"
    label = "rules"
    verbose_name = "Automation rules"

    def ready(self) -> None:
        from rules import signals  # noqa: F401  (connects the model-signal event sources)
