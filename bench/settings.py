"""Settings of the load benchmark's server: production's, plus the ceiling's route.

Only `bench/load.py` points gunicorn at this module (DJANGO_SETTINGS_MODULE); the service
itself never serves the ceiling.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
