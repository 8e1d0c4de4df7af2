from django.contrib import admin

from backend.planner.models import Cluster, ContentIdea, Keyword


@admin.register(Keyword)
class KeywordAdmin(admin.ModelAdmin):
    list_display = ["id", "text", "site", "volume", "difficulty", "intent", "status", "cluster", "disabled"]
    list_filter = ["status", "intent", "disabled"]
    search_fields = ["text"]


@admin.register(Cluster)
class ClusterAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "site", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["name"]


@admin.register(ContentIdea)
class ContentIdeaAdmin(admin.ModelAdmin):
    list_display = ["id", "title", "site", "cluster", "content_type", "status"]
    list_filter = ["status", "content_type"]
    search_fields = ["title"]
