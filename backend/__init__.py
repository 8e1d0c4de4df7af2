"""IGNY8 Automation: the Django project (settings, urls, Celery app) and its domain apps."""

from backend.celery import app as celery_app

__all__ = ["celery_app"]
