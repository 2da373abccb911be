from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "居場所・家族支援"
