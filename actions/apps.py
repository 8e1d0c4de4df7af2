from django.apps import AppConfig


class ActionsConfig(AppConfig):
    name = "actions"
    label = "actions"

    def ready(self) -> None:
        import importlib

        from django.conf import settings

        import actions.builtin  # noqa: F401  (each module registers its action)
        import actions.content  # noqa: F401  (the AI content actions)
        import actions.publishing  # noqa: F401

        # Extra action plugins, e.g. a deployment's own actions or the test suite's (comma-separated modules).
        for module in getattr(settings, "AUTOMATION_EXTRA_ACTION_MODULES", []):
            importlib.import_module(module)
