"""Worker versioning: with WORKER_DEPLOYMENT_NAME and WORKER_BUILD_ID set, the worker runs as
that version of a Temporal worker deployment, so new workflow code runs next to the old.

Journeys wait days, for agencies and for people: with the default behaviour, PINNED, a journey
finishes on the version that started it, and old workers keep running until their journeys have
drained; new journeys go to the deployment's current version (`temporal worker deployment
set-current-version`). AUTO_UPGRADE moves running journeys to the current version at their next
workflow task, which needs the same care as an unversioned deploy (patching). Unset, the worker
is unversioned, as the dev stack and the tests run it.
"""

from temporalio.common import VersioningBehavior, WorkerDeploymentVersion
from temporalio.worker import WorkerDeploymentConfig

from core.settings import Settings

BEHAVIORS = {
    "pinned": VersioningBehavior.PINNED,
    "auto_upgrade": VersioningBehavior.AUTO_UPGRADE,
}


def deployment_config(settings: Settings) -> WorkerDeploymentConfig | None:
    """The worker's deployment version, or None for an unversioned worker."""
    if not (settings.worker_deployment_name and settings.worker_build_id):
        return None
    return WorkerDeploymentConfig(
        version=WorkerDeploymentVersion(
            deployment_name=settings.worker_deployment_name, build_id=settings.worker_build_id
        ),
        use_worker_versioning=True,
        default_versioning_behavior=BEHAVIORS[settings.worker_versioning_behavior],
    )
