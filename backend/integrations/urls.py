"""Mounted at /api/v1/integrations/."""

from rest_framework.routers import SimpleRouter

from backend.integrations.views import IntegrationViewSet

router = SimpleRouter()
router.register("", IntegrationViewSet, basename="integration")

urlpatterns = router.urls
