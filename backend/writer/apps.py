from django.apps import AppConfig


class WriterConfig(AppConfig):
    name = "backend.writer"
    label = "writer"
