from django.apps import AppConfig


class ResolversConfig(AppConfig):
    name = "resolvers"
    verbose_name = "Resolvers: outcomes and their evidence"
