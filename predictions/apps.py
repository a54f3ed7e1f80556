from django.apps import AppConfig


class PredictionsConfig(AppConfig):
    name = "predictions"
    verbose_name = "Predictions: forecasts and scores"

    def ready(self) -> None:
        from predictions import kind_changes, page_versions

        kind_changes.connect()
        page_versions.connect()
