from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from actions.ai.views import CostTableView, PromptDetailView, PromptListView
from actions.content.views import ImageViewSet
from backend.accounts import views as accounts
from backend.automation.sites import SiteStatusViewSet
from backend.automation.stages import STAGES
from backend.billing import views as billing
from backend.core.spa import spa_index
from backend.integrations.content_views import ContentViewSet
from backend.ops.health import HealthView
from backend.ops.metrics import metrics_view
from backend.planner import views as planner
from backend.writer import views as writer
from backend.writer.media import MediaView

router = DefaultRouter()
router.include_format_suffixes = False  # no `.json` twins of every route
router.register("sites", SiteStatusViewSet)
router.register("sectors", accounts.SectorViewSet)
router.register("keywords", planner.KeywordViewSet)
router.register("clusters", planner.ClusterViewSet)
router.register("ideas", planner.ContentIdeaViewSet)
router.register("tasks", writer.TaskViewSet)
router.register("content", ContentViewSet)  # the writer's, plus publishing (backend.integrations)
router.register("images", ImageViewSet)  # the writer's, plus regenerating one (actions.content)

api_v1 = [
    path("auth/token/", accounts.TokenView.as_view(), name="auth-token"),
    path("auth/csrf/", accounts.CsrfView.as_view(), name="auth-csrf"),
    path("auth/login/", accounts.SessionLoginView.as_view(), name="auth-login"),
    path("auth/logout/", accounts.SessionLogoutView.as_view(), name="auth-logout"),
    path("auth/me/", accounts.MeView.as_view(), name="auth-me"),
    path("auth/session/", accounts.SessionView.as_view(), name="auth-session"),
    path(
        "auth/tokens/",
        accounts.ApiTokenViewSet.as_view({"get": "list", "post": "create"}, detail=False),
        name="auth-tokens",
    ),
    path(
        "auth/tokens/<int:pk>/",
        accounts.ApiTokenViewSet.as_view({"delete": "destroy"}, detail=True),
        name="auth-token-detail",
    ),
    path("credits/", billing.CreditsView.as_view(), name="credits"),
    path("credits/budget/", billing.BudgetView.as_view(), name="credits-budget"),
    path("credits/ledger/", billing.LedgerView.as_view(), name="credits-ledger"),
    path("credits/ledger/export/", billing.LedgerExportView.as_view(), name="credits-ledger-export"),
    path("credits/ledger/operations/", billing.OperationsView.as_view(), name="credits-ledger-operations"),
    path(
        "credits/usage/",
        billing.UsageView.as_view(stage_names={s.action: (s.number, s.name) for s in STAGES}),
        name="credits-usage",
    ),
    path("automation/", include("backend.automation.urls")),
    path("automation/", include("rules.api.urls")),
    path("integrations/", include("backend.integrations.urls")),
    path("prompts/", PromptListView.as_view(), name="prompts"),
    path("prompts/<str:function>/", PromptDetailView.as_view(), name="prompt-detail"),
    path("credits/costs/", CostTableView.as_view(), name="credit-costs"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/health/", HealthView.as_view(), name="health"),
    path("metrics", metrics_view, name="metrics"),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("api/v1/", include(api_v1)),
    path("media/<path:path>", MediaView.as_view(), name="media"),
    re_path(r"^(?!api/|admin/|media/|static/|metrics).*$", spa_index, name="spa"),
]
