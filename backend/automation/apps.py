from django.apps import AppConfig


class AutomationConfigApp(AppConfig):
    name = "backend.automation"
    label = "automation"
    verbose_name = "Seven-stage pipeline"

    def ready(self) -> None:
        from backend.automation import receivers  # noqa: F401  (the preset, a preset per new site, notifications)
