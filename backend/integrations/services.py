"""Integration services: create, update and check integrations; publish content to WordPress."""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from backend.core.outbound import outbound_session
from backend.integrations.models import Integration, PublishedPost, UploadedMedia
from backend.integrations.wordpress_client import PostResult, PostStatus, WordPressClient, WordPressError
from backend.writer.html import sanitize_html
from backend.writer.models import Content, Image

CREDENTIAL_FIELDS = ("url", "username", "application_password")


# --- integrations ------------------------------------------------------------------------------


def integration_active_for_site(*, site_id: int, kind: str = "wordpress") -> Integration | None:
    """The site's active integration of `kind`, if any (its password is decrypted when first read)."""
    return Integration.objects.filter(site_id=site_id, kind=kind, is_active=True).defer("application_password").first()


def integration_duplicate_error(*, site, kind: str, exclude_pk: int | None = None) -> ValidationError | None:
    """The 400 for a second active integration of the same kind on a site, or None."""
    clash = Integration.objects.filter(site=site, kind=kind, is_active=True).exclude(pk=exclude_pk).first()
    if clash is None:
        return None
    return ValidationError(
        {
            "site": [
                f"Site {site.pk} already has an active {clash.get_kind_display()} integration (id {clash.pk}); "
                "deactivate or delete it first."
            ]
        }
    )


def integration_create(*, site, **fields: Any) -> Integration:
    """Create an integration for `site` (its account comes from the site)."""
    integration = Integration(site=site, account_id=site.account_id, **fields)
    return _save(integration)


def integration_update(*, integration: Integration, **fields: Any) -> Integration:
    """Change an integration; new credentials forget the last connection check."""
    credentials_changed = any(k in fields and fields[k] != getattr(integration, k) for k in CREDENTIAL_FIELDS)
    for name, value in fields.items():
        setattr(integration, name, value)
    if credentials_changed:
        integration.last_checked_at, integration.last_check_ok, integration.last_check_error = None, None, ""
    return _save(integration)


def _save(integration: Integration) -> Integration:
    try:
        with transaction.atomic():
            integration.save()
    except IntegrityError as exc:  # a concurrent request won the one-active-per-site race
        error = integration_duplicate_error(site=integration.site, kind=integration.kind, exclude_pk=integration.pk)
        raise (error or exc) from exc
    return integration


def integration_client(*, integration: Integration, timeout: float = 15) -> PublishingClient:
    """A WordPress client logged in with the integration's credentials; it never reaches private networks."""
    return PublishingClient(
        integration.url,
        integration.username,
        integration.application_password,
        timeout=timeout,
        session=outbound_session(),
    )


class PublishingClient(WordPressClient):
    """The WordPress client plus the one read publishing needs: does a media item still exist?"""

    def media_exists(self, media_id: int) -> bool:
        try:
            self._request("GET", f"wp/v2/media/{media_id}", params={"_fields": "id"})
        except WordPressError as exc:
            if exc.status == 404:
                return False
            raise
        return True


# --- publishing ----------------------------------------------------------------------------------


class PublishError(Exception):
    """Publishing one content item failed; `permanent` is False when a retry may succeed."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.message, self.permanent = message, permanent


@dataclass(frozen=True)
class PublishOptions:
    status: PostStatus = "draft"
    categories: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    include_featured_image: bool = True


@dataclass(frozen=True)
class Published:
    post_id: int
    url: str
    status: str
    media_id: int | None
    uploaded: bool  # the featured image was uploaded by this call (not reused)


def publishing_target(*, site_id: int) -> tuple[Integration, PublishingClient]:
    """The site's active WordPress integration and a client for it; PublishError when there is none."""
    integration = integration_active_for_site(site_id=site_id)
    if integration is None:
        raise PublishError(
            f"site {site_id} has no active WordPress integration: add one at /api/v1/integrations/", permanent=True
        )
    try:
        return integration, integration_client(integration=integration)
    except ValueError as exc:  # the password was encrypted with another FIELD_ENCRYPTION_KEY
        raise PublishError(
            f"WordPress integration {integration.pk} of site {site_id}: {exc}; enter the application password "
            f"again at /api/v1/integrations/{integration.pk}/",
            permanent=True,
        ) from exc


def content_publish(
    *, content: Content, integration: Integration, client: PublishingClient, options: PublishOptions
) -> Published:
    """Create or update the content's WordPress post; mark the content published. Raises PublishError."""
    if not content.title.strip():
        raise PublishError(f"content {content.pk} has no title: add one, then publish it again", permanent=True)
    media_id, uploaded = None, False
    try:
        if options.include_featured_image:
            media_id, uploaded = _featured_media(content, integration, client)
        post = client.upsert_post(
            post_id=_known_post_id(content, integration),
            title=content.title,
            content_html=sanitize_html(content.html_content),  # whatever wrote the row, no script leaves
            excerpt=content.excerpt,
            status=options.status,
            categories=client.ensure_terms("categories", _names(content.categories, options.categories)),
            tags=client.ensure_terms("tags", _names(content.tags, options.tags)),
            featured_media=media_id,
            slug=content.slug or None,
        )
    except WordPressError as exc:
        raise PublishError(exc.message, permanent=exc.permanent) from exc
    _record(content, integration, post, options.status)
    return Published(post_id=post.id, url=post.link, status=post.status, media_id=media_id, uploaded=uploaded)


def _names(own: Any, extra: tuple[str, ...]) -> list[str]:
    own_names = [str(n) for n in own] if isinstance(own, list) else []
    return [*own_names, *extra]


def _known_post_id(content: Content, integration: Integration) -> int | None:
    """The post to update: the one made on this integration; none if the content went to another site."""
    posts = dict(PublishedPost.objects.filter(content=content).values_list("integration_id", "post_id"))
    if integration.pk in posts:
        return posts[integration.pk]
    if posts:
        return None  # its post id belongs to another WordPress: updating that id here would clobber a stranger
    return int(content.external_id) if content.external_id.isdigit() else None


def _featured_media(content: Content, integration: Integration, client: PublishingClient) -> tuple[int | None, bool]:
    """The media id of the content's featured image, uploaded unless this very file is already there."""
    image = (
        content.images.filter(kind=Image.Kind.FEATURED, status=Image.Status.GENERATED)
        .exclude(file="")
        .order_by("position")
        .first()
    )
    if image is None:
        return None, False
    known = UploadedMedia.objects.filter(integration=integration, image=image, file_name=image.file.name).first()
    if known is not None and client.media_exists(known.media_id):
        return known.media_id, False
    name = PurePosixPath(image.file.name).name
    mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
    media_id = client.upload_media(_read(image), name, mime, alt_text=content.title)
    UploadedMedia.objects.update_or_create(
        integration=integration, image=image, defaults={"media_id": media_id, "file_name": image.file.name}
    )
    return media_id, True


def _read(image: Image) -> bytes:
    try:
        with image.file.open("rb") as handle:
            return handle.read()
    except OSError as exc:
        raise PublishError(
            f"the featured image {image.pk} has no readable file ({image.file.name}): generate it again, "
            "or publish with include_featured_image false",
            permanent=True,
        ) from exc


def _record(content: Content, integration: Integration, post: PostResult, post_status: str) -> None:
    # Remember the post first, whatever happens next: a later publish must update it, not duplicate it.
    PublishedPost.objects.update_or_create(integration=integration, content=content, defaults={"post_id": post.id})
    with transaction.atomic():
        current = Content.objects.select_for_update().get(pk=content.pk)
        try:
            Content.check_transition(current.status, Content.Status.PUBLISHED)
        except ValidationError as exc:
            raise PublishError(
                f"WordPress post {post.id} was saved, but content {content.pk} moved to '{current.status}' "
                f"meanwhile, so it was not marked published: {exc.messages[0]}",
                permanent=True,
            ) from exc
        current.status = Content.Status.PUBLISHED
        current.external_id, current.external_url = str(post.id), post.link
        current.published_at = current.published_at or timezone.now()
        current.publish_status, current.publish_error = Content.PublishStatus.PUBLISHED, ""
        current.post_status = post_status
        current.save(
            update_fields=[
                "status",
                "external_id",
                "external_url",
                "published_at",
                "publish_status",
                "publish_error",
                "post_status",
                "updated_at",
            ]
        )
    content.refresh_from_db()


# --- publishing on request (the content API) ---------------------------------------------------------

PUBLISHABLE = (Content.Status.APPROVED, Content.Status.PUBLISHED)


def content_publish_queue(*, contents: list[Content], post_status: PostStatus) -> list[int]:
    """Check that every item can be published (all or nothing: ValidationError naming `status` or `integration`),
    then mark them queued; the caller sends each to the publish task. Returns their ids."""
    wrong = sorted(c.pk for c in contents if c.status not in PUBLISHABLE)
    if wrong:
        raise ValidationError(
            {"status": [f"Only approved or published content can be published; not approved or published: {wrong}."]}
        )
    sites = {c.site_id for c in contents}
    connected = set(
        Integration.objects.filter(site_id__in=sites, kind=Integration.Kind.WORDPRESS, is_active=True).values_list(
            "site_id", flat=True
        )
    )
    unconnected = sorted(sites - connected)
    if unconnected:
        raise ValidationError(
            {
                "integration": [
                    f"Site {', '.join(map(str, unconnected))} has no active WordPress connection: connect it to "
                    "WordPress first."
                ]
            }
        )
    ids = sorted(c.pk for c in contents)
    Content.objects.filter(pk__in=ids).update(
        publish_status=Content.PublishStatus.QUEUED,
        publish_error="",
        post_status=post_status,
        updated_at=timezone.now(),
    )
    return ids


def content_publish_queued(*, content_id: int, post_status: PostStatus, last_try: bool = True) -> PublishError | None:
    """Publish one item queued by `content_publish_queue`: publish_status becomes `published`, or `failed` with the
    reason in publish_error. A failure a retry may fix is returned instead (the item stays queued) unless
    `last_try`."""
    content = Content.objects.filter(pk=content_id).first()
    if content is None:
        return None  # deleted meanwhile
    try:
        if content.status not in PUBLISHABLE:
            raise PublishError(
                f"content {content.pk} is {content.status}: only approved or published content is published",
                permanent=True,
            )
        integration, client = publishing_target(site_id=content.site_id)
        content_publish(content=content, integration=integration, client=client, options=PublishOptions(post_status))
    except PublishError as exc:
        if not exc.permanent and not last_try:
            return exc
        _publish_failed(content_id, exc.message)
    except Exception as exc:  # never leave it queued: a person sees the failure and can retry
        _publish_failed(content_id, f"publishing failed unexpectedly ({type(exc).__name__}): {exc}")
        raise
    return None


def _publish_failed(content_id: int, message: str) -> None:
    Content.objects.filter(pk=content_id).update(
        publish_status=Content.PublishStatus.FAILED, publish_error=message[:2000], updated_at=timezone.now()
    )
