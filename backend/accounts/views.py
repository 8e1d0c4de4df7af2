"""Auth (token and session login for the web app, the caller's API tokens), the caller's profile, sites and sectors."""

from __future__ import annotations

from django.contrib.auth import authenticate, login, logout
from django.middleware.csrf import get_token
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from backend.accounts.models import Sector, Site
from backend.accounts.serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenCreateSerializer,
    ApiTokenSerializer,
    LoginSerializer,
    MeSerializer,
    SectorSerializer,
    SiteSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from backend.accounts.services import site_create
from backend.accounts.tokens import token_create, token_list, token_revoke
from backend.core.api import AccountScopedViewSet
from backend.core.throttles import LoginIPThrottle, LoginThrottle, LoginUserThrottle

LOGIN_THROTTLES = [LoginIPThrottle, LoginUserThrottle]


def _authenticate(request, view: APIView, serializer_class=LoginSerializer):
    """The user the body's credentials name, and the validated body; a failure counts against the login limits."""
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    credentials = {name: serializer.validated_data[name] for name in ("username", "password")}
    user = authenticate(request, **credentials)
    if user is None or not user.is_active:
        for throttle in view.get_throttles():
            if isinstance(throttle, LoginThrottle):
                throttle.record_failure(request, view)
        raise serializers.ValidationError(
            {"non_field_errors": ["Unable to log in with the given username and password."]}
        )
    return user, serializer.validated_data


class TokenView(APIView):
    """Exchange a username and password for a new API token (`Authorization: Token …`).

    Tokens are stored hashed, so each call issues a new one; earlier tokens stay valid (until
    `expires_in_days`, when given). Failed attempts are limited per client address and per username (429)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_classes = LOGIN_THROTTLES

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer, 429: None})
    def post(self, request):
        user, body = _authenticate(request, self, TokenRequestSerializer)
        _, key = token_create(user=user, name="POST /api/v1/auth/token/", expires_in_days=body.get("expires_in_days"))
        return Response({"token": key})


@method_decorator(ensure_csrf_cookie, name="dispatch")
class CsrfView(APIView):
    """Set the CSRF cookie for the web app and return the token."""

    permission_classes = [AllowAny]

    @extend_schema(responses=inline_serializer("CsrfToken", {"csrfToken": serializers.CharField()}))
    def get(self, request):
        return Response({"csrfToken": get_token(request)})


@method_decorator(csrf_protect, name="dispatch")
class SessionLoginView(APIView):
    """Session login for the web app (CSRF protected); answers the caller's profile. Failed attempts are
    limited like the token endpoint's."""

    permission_classes = [AllowAny]
    throttle_classes = LOGIN_THROTTLES

    @extend_schema(request=LoginSerializer, responses={200: MeSerializer, 429: None})
    def post(self, request):
        user, _ = _authenticate(request, self)
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


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    """The caller's own API tokens: list (`current` marks the one in use), create (the key shown once), revoke.

    Tokens belong to a user, not to the account: a teammate's token id is a 404 too."""

    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return token_list(user=self.request.user)

    @extend_schema(request=ApiTokenCreateSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request, *args, **kwargs):
        body = ApiTokenCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        token, key = token_create(user=request.user, **body.validated_data)
        data = {**self.get_serializer(token).data, "key": key}
        return Response(data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        token_revoke(token=instance)


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
