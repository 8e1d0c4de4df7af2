"""Auth (token and session login for the web app), the caller's profile, sites and sectors."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Sector, Site
from backend.accounts.serializers import (
    MeSerializer,
    SectorSerializer,
    SiteSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from backend.accounts.services import site_create
from backend.accounts.tokens import token_issue
from backend.core.api import AccountScopedViewSet


def _authenticate(request):
    serializer = TokenRequestSerializer(data=request.data)
    serializer.is_valid(raise_exception=True)
    user = authenticate(request, **serializer.validated_data)
    if user is None or not user.is_active:
        raise serializers.ValidationError(
            {"non_field_errors": ["Unable to log in with the given username and password."]}
        )
    return user


class TokenView(APIView):
    """Exchange a username and password for a new API token (`Authorization: Token …`).

    Tokens are stored hashed, so each call issues a new one; earlier tokens stay valid."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(request=TokenRequestSerializer, responses=TokenResponseSerializer)
    def post(self, request):
        return Response({"token": token_issue(user=_authenticate(request), name="POST /api/v1/auth/token/")})


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CsrfView(APIView):
    """Set the CSRF cookie for the web app and return the token."""

    permission_classes = [AllowAny]

    @extend_schema(responses=inline_serializer("CsrfToken", {"csrfToken": serializers.CharField()}))
    def get(self, request):
        return Response({"csrfToken": get_token(request)})


@method_decorator(csrf_protect, name="dispatch")
class SessionLoginView(APIView):
    """Session login for the web app (CSRF protected); answers the caller's profile."""

    permission_classes = [AllowAny]

    @extend_schema(request=TokenRequestSerializer, responses=MeSerializer)
    def post(self, request):
        user = _authenticate(request)
        login(request, user)
        return Response(_me(user))


class SessionLogoutView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SessionView(APIView):
    """Whether the caller is signed in (200 either way, so the web app's first visit logs no error)."""

    permission_classes = [AllowAny]

    @extend_schema(
        responses=inline_serializer(
            "SessionState", {"authenticated": serializers.BooleanField(), "user": MeSerializer(allow_null=True)}
        )
    )
    def get(self, request):
        user = request.user
        if not (user and user.is_authenticated and user.account_id):
            return Response({"authenticated": False, "user": None})
        return Response({"authenticated": True, "user": _me(user)})


class MeView(APIView):
    """The signed-in user, their account (with credits) and their sites."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(_me(request.user))


def _me(user) -> dict:
    data = {
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "account": user.account,
        "sites": Site.objects.filter(account_id=user.account_id),
    }
    return MeSerializer(data).data


class SiteViewSet(AccountScopedViewSet):
    queryset = Site.objects.all()
    serializer_class = SiteSerializer
    filter_params = ()
    search_fields = ["name", "domain"]
    ordering = ("id",)

    def perform_create(self, serializer):
        serializer.instance = site_create(account=self.request.user.account, **serializer.validated_data)


class SectorViewSet(AccountScopedViewSet):
    queryset = Sector.objects.all()
    serializer_class = SectorSerializer
    filter_params = ("site",)
