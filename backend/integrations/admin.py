from django import forms
from django.contrib import admin

from backend.integrations.models import Integration, PublishedPost, UploadedMedia


class IntegrationForm(forms.ModelForm):
    """The stored password is never shown; an empty field keeps it."""

    application_password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        required=False,
        help_text="Leave empty to keep the stored password.",
    )

    class Meta:
        model = Integration
        fields = ["site", "kind", "url", "username", "application_password", "is_active"]

    def clean_application_password(self) -> str:
        value = self.cleaned_data.get("application_password") or self.instance.application_password
        if not value:
            raise forms.ValidationError("An application password is required.")
        return value


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    form = IntegrationForm
    list_display = ["id", "site", "kind", "url", "username", "is_active", "last_check_ok", "last_checked_at"]
    list_filter = ["kind", "is_active", "last_check_ok"]
    search_fields = ["url", "username"]
    readonly_fields = ["last_checked_at", "last_check_ok", "last_check_error"]


@admin.register(PublishedPost)
class PublishedPostAdmin(admin.ModelAdmin):
    list_display = ["id", "integration", "content", "post_id", "updated_at"]
    raw_id_fields = ["content"]


@admin.register(UploadedMedia)
class UploadedMediaAdmin(admin.ModelAdmin):
    list_display = ["id", "integration", "image", "media_id", "file_name", "updated_at"]
    raw_id_fields = ["image"]
