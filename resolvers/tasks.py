"""Celery tasks of the resolvers app: thin wrappers that call services."""

from celery import shared_task

from resolvers import services


@shared_task(name="resolvers.finalize_resolutions")
def finalize_resolutions() -> int:
    """Proposed outcomes become final once the dispute window passes undisputed."""
    return len(services.resolutions_finalize_due())
