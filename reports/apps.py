from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "統計・報告"

    def ready(self) -> None:
        from reports.cache import connect_signals

        connect_signals()
