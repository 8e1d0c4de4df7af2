from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from backend.accounts.models import Account, ApiToken, Sector, Site, User


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "slug", "credits", "credits_reserved", "created_at"]
    readonly_fields = ["credits", "credits_reserved"]  # changed only through the ledger
    search_fields = ["name", "slug"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "account", "is_staff"]
    fieldsets = BaseUserAdmin.fieldsets + (("Tenancy", {"fields": ("account",)}),)


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    list_display = ["id", "domain", "name", "account", "timezone", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["domain", "name"]


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ["id", "name", "site"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["prefix", "user", "name", "created_at", "last_used_at"]
    readonly_fields = ["key_hash", "prefix", "created_at", "last_used_at"]
