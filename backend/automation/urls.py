from django.urls import path

from backend.automation import views

urlpatterns = [
    path("config/", views.ConfigView.as_view(), name="automation-config"),
    path("update_config/", views.ConfigView.as_view(), name="automation-update-config"),
    path("run_now/", views.RunNowView.as_view(), name="automation-run-now"),
    path("current_run/", views.CurrentRunView.as_view(), name="automation-current-run"),
    path("pause/", views.PauseView.as_view(), name="automation-pause"),
    path("resume/", views.ResumeView.as_view(), name="automation-resume"),
    path("cancel/", views.CancelView.as_view(), name="automation-cancel"),
    path("history/", views.HistoryView.as_view(), name="automation-history"),
    path("logs/", views.LogsView.as_view(), name="automation-logs"),
    path("estimate/", views.EstimateView.as_view(), name="automation-estimate"),
    path("pipeline_overview/", views.PipelineOverviewView.as_view(), name="automation-pipeline-overview"),
    path("overview_stats/", views.OverviewStatsView.as_view(), name="automation-overview-stats"),
    path("run_detail/", views.RunDetailView.as_view(), name="automation-run-detail"),
    path("retry_failed/", views.RetryFailedView.as_view(), name="automation-retry-failed"),
]
