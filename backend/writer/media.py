"""Private media: an image's file goes to its own account, or to whoever holds a signed, unexpired URL for it."""

from __future__ import annotations

import mimetypes
import time
from collections.abc import Iterable
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import FileResponse
from django.utils.cache import patch_cache_control
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotAuthenticated, NotFound
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.views import APIView

from backend.accounts.tokens import HashedTokenAuthentication
from backend.writer.models import Image

SALT = "backend.writer.media"


def _signer() -> signing.Signer:
    # Built per use: it reads SECRET_KEY (and SECRET_KEY_FALLBACKS, so rotating the key is graceful).
    return signing.Signer(salt=SALT)


def _signed_value(name: str, account_id: int, expires_at: str) -> str:
    return f"{account_id}:{expires_at}:{name}"


def image_file_url(*, image: Image, expires_at: int | None = None) -> str:
    """The image file's URL signed for its account, valid until `expires_at` (default: MEDIA_URL_MAX_AGE_SECONDS)."""
    if expires_at is None:
        expires_at = int(time.time()) + settings.MEDIA_URL_MAX_AGE_SECONDS
    signature = _signer().signature(_signed_value(image.file.name, image.account_id, str(expires_at)))
    return f"{image.file.url}?{urlencode({'exp': expires_at, 'sig': signature})}"


def media_signature_valid(*, name: str, account_ids: Iterable[int], exp: str, sig: str) -> bool:
    """Whether `sig` signs the stored file `name` for one of `account_ids`, and `exp` has not passed."""
    if not (exp.isascii() and exp.isdigit()) or int(exp) <= time.time():
        return False
    signer = _signer()
    for account_id in account_ids:
        value = _signed_value(name, account_id, exp)
        try:
            if signer.unsign(f"{value}{signer.sep}{sig}") == value:
                return True
        except signing.BadSignature:
            continue
    return False


def _stored_name(path: str) -> str:
    """The storage name a URL path stands for; a path that climbs or is not plain is refused as not found."""
    if "\\" in path or any(part in ("", ".", "..") for part in path.split("/")):
        raise NotFound
    return path


class AnyAccept(BaseContentNegotiation):
    """Browsers ask for images with `Accept: image/*`; the file answers whatever, errors answer in JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class MediaView(APIView):
    """GET /media/<path>: the owning account (session or token) or a valid signature gets the file; else 401/404."""

    # Token first: an anonymous caller is told 401 with `WWW-Authenticate: Token`, not a bare 403.
    authentication_classes = [HashedTokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AnyAccept
    schema = None  # files, not part of the JSON API

    def get(self, request: Request, path: str) -> FileResponse:
        name = _stored_name(path)
        owners = set(Image.objects.filter(file=name).values_list("account_id", flat=True))
        caller = getattr(request.user, "account_id", None)
        if caller is not None:
            if caller not in owners:
                raise NotFound  # another account's file looks exactly like a missing one
            return _serve(name)
        params = request.query_params
        if not media_signature_valid(
            name=name, account_ids=owners, exp=params.get("exp", ""), sig=params.get("sig", "")
        ):
            raise NotAuthenticated("Sign in as the owning account, or use the signed file_url the API hands out.")
        return _serve(name)


def _serve(name: str) -> FileResponse:
    try:
        handle = Image._meta.get_field("file").storage.open(name, "rb")
    except OSError as exc:
        raise NotFound from exc  # the row outlived its file
    response = FileResponse(handle, content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")
    patch_cache_control(response, private=True)
    return response
