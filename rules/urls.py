from django.urls import include, path
from rest_framework.routers import DefaultRouter

from rules.scheduled_task_views import ScheduledTaskViewSet
from rules.views import ExecutionViewSet, HookView, RuleViewSet

router = DefaultRouter()
router.include_format_suffixes = False  # no `.json` twins of every route
router.register("rules", RuleViewSet, basename="rule")
router.register("executions", ExecutionViewSet, basename="execution")
router.register("scheduled-tasks", ScheduledTaskViewSet, basename="scheduled-task")

urlpatterns = [
    path("hooks/<str:token>/", HookView.as_view(), name="automation-hook"),
    path("", include(router.urls)),
]
