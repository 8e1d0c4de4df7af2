from django.apps import AppConfig


class PlannerConfig(AppConfig):
    name = "backend.planner"
    label = "planner"
