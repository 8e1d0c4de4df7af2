from django.contrib import admin

from backend.writer.models import Content, Image, Task


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "site", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["title"]


class ImageInline(admin.TabularInline):
    model = Image
    extra = 0
    fields = ["kind", "position", "status", "prompt", "file", "error"]


@admin.register(Content)
class ContentAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "site", "status", "word_count", "seo_score", "publish_status", "external_id"]
    list_filter = ["status", "publish_status"]
    search_fields = ["title", "slug"]
    readonly_fields = ["word_count", "publish_status", "publish_error", "post_status"]
    inlines = [ImageInline]


@admin.register(Image)
class ImageAdmin(admin.ModelAdmin):
    list_display = ["id", "content", "kind", "position", "status"]
    list_filter = ["status", "kind"]
