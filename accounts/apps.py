from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "機関・職員"

    def ready(self) -> None:
        from accounts import checks, reauth, signals  # noqa: F401
