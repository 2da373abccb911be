from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "ケース"

    def ready(self) -> None:
        from cases import titles

        titles.connect()
