from django.apps import AppConfig


class AutomationConfigApp(AppConfig):
    name = "backend.automation"
    label = "automation"
    verbose_name = "Seven-stage pipeline"

    def ready(self) -> None:
        from backend.automation import receivers  # noqa: F401  (preset on site creation, run notifications)
