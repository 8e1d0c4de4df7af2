"""Integrations: a site's connection to a remote CMS, and the ids its objects have there."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from backend.core.crypto import EncryptedTextField
from backend.core.models import TimestampedModel


def validate_site_url(value: str) -> None:
    """Accept http(s)://host[:port][/path] (a bare host such as `http://wordpress` too)."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018  (raises ValueError for a bad port)
    except ValueError as exc:
        raise ValidationError(f"'{value}' is not a valid URL: {exc}.") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError("Enter the site's address with http:// or https://, e.g. https://blog.example.com.")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise ValidationError("Enter the site's address only: no credentials, query string or #fragment.")


class Integration(TimestampedModel):
    """One site's connection to a remote CMS; the credentials are encrypted at rest."""

    class Kind(models.TextChoices):
        WORDPRESS = "wordpress", "WordPress"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, editable=False, related_name="+")
    site = models.ForeignKey("accounts.Site", on_delete=models.CASCADE, related_name="integrations")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.WORDPRESS)
    url = models.CharField(
        max_length=500, validators=[validate_site_url], help_text="The site's address, e.g. https://blog.example.com."
    )
    username = models.CharField(max_length=150)
    application_password = EncryptedTextField(help_text="A WordPress application password (stored encrypted).")
    is_active = models.BooleanField(default=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_check_ok = models.BooleanField(null=True, blank=True)
    last_check_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["site", "kind"], condition=Q(is_active=True), name="integration_one_active_per_site_kind"
            ),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.url}"

    def save(self, *args, **kwargs):
        if self.site_id and not self.account_id:
            self.account_id = self.site.account_id
        super().save(*args, **kwargs)


class PublishedPost(models.Model):
    """The post a content item became on an integration's site (updated, never duplicated, on re-publish)."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="published_posts")
    content = models.ForeignKey("writer.Content", on_delete=models.CASCADE, related_name="+")
    post_id = models.PositiveBigIntegerField()
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "content"], name="published_post_unique")]


class UploadedMedia(models.Model):
    """The media item an image file became on an integration's site, so a re-publish does not upload it again."""

    integration = models.ForeignKey(Integration, on_delete=models.CASCADE, related_name="uploaded_media")
    image = models.ForeignKey("writer.Image", on_delete=models.CASCADE, related_name="+")
    media_id = models.PositiveBigIntegerField()
    file_name = models.CharField(max_length=255, help_text="The file uploaded; a regenerated image is uploaded anew.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["integration", "image"], name="uploaded_media_unique")]
        verbose_name_plural = "uploaded media"
