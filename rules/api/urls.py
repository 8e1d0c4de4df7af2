from django.urls import include, path
from rest_framework.routers import DefaultRouter

from rules.api.events import EventViewSet
from rules.api.hooks import HookView
from rules.api.rules import RuleViewSet
from rules.api.runs import RunViewSet
from rules.api.scheduled_tasks import ScheduledTaskViewSet

router = DefaultRouter()
router.include_format_suffixes = False  # no `.json` twins of every route
router.register("rules", RuleViewSet, basename="rule")
router.register("executions", RunViewSet, basename="execution")  # the seeds' path for runs
router.register("scheduled-tasks", ScheduledTaskViewSet, basename="scheduled-task")
router.register("events", EventViewSet, basename="event")

urlpatterns = [
    path("hooks/<str:token>/", HookView.as_view(), name="automation-hook"),
    path("", include(router.urls)),
]
