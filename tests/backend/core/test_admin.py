from __future__ import annotations

from django.apps import apps
from django.contrib import admin

OUR_APPS = {"accounts", "billing", "planner", "writer", "integrations", "automation", "rules", "actions"}


def test_it_registers_every_model_of_the_project_in_the_admin():
    missing = [
        m._meta.label for m in apps.get_models() if m._meta.app_label in OUR_APPS and m not in admin.site._registry
    ]
    assert missing == []


def test_it_opens_every_admin_changelist(admin_client):
    for model in admin.site._registry:
        if model._meta.app_label in OUR_APPS:
            url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            assert admin_client.get(url).status_code == 200, url
