from django.apps import AppConfig


class TsunaguConfig(AppConfig):
    name = "tsunagu"
    verbose_name = "tsunagu"
