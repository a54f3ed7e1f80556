from django.apps import AppConfig


class PredictionsConfig(AppConfig):
    name = "predictions"
    verbose_name = "Predictions: forecasts and scores"

    def ready(self) -> None:
        from predictions import kind_changes

        kind_changes.connect()
