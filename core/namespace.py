"""The cluster side of a deployment, made ready by ``lifeevents setup``: the namespace the
journeys live in (registered when missing: a Temporal server has only the namespaces someone
created), its retention, and our custom search attributes. Idempotent, so that the one-shot
setup can run on every deployment, and twice at once."""

import asyncio
import time
from datetime import timedelta

from google.protobuf.duration_pb2 import Duration
from temporalio.api.namespace.v1 import NamespaceConfig
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import (
    DescribeNamespaceRequest,
    RegisterNamespaceRequest,
    UpdateNamespaceRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from core.settings import Settings
from core.temporal import connect, ensure_search_attributes, search_attribute_types

# A fresh server takes a while to answer, and a fresh namespace a while to be known by every
# frontend (namespace caches refresh every few seconds): wait for both, up to this long.
READY_TIMEOUT = timedelta(minutes=2)
_PAUSE_SECONDS = 1.0


def _retention(days: int) -> Duration:
    return Duration(seconds=int(timedelta(days=days).total_seconds()))


async def ensure_namespace(client: Client, namespace: str, retention_days: int) -> bool:
    """The namespace exists with this retention (how long Temporal keeps a closed journey's
    history, and the payloads in it). True when this call registered it."""
    try:
        described = await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=namespace)
        )
        # Already right: no update, which a managed service (Temporal Cloud) may not allow.
        if described.config.workflow_execution_retention_ttl == _retention(retention_days):
            return False
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        try:
            await client.workflow_service.register_namespace(
                RegisterNamespaceRequest(
                    namespace=namespace,
                    workflow_execution_retention_period=_retention(retention_days),
                )
            )
            return True
        except RPCError as race:  # another setup registered it meanwhile
            if race.status != RPCStatusCode.ALREADY_EXISTS:
                raise
    await client.workflow_service.update_namespace(
        UpdateNamespaceRequest(
            namespace=namespace,
            config=NamespaceConfig(workflow_execution_retention_ttl=_retention(retention_days)),
        )
    )
    return False


async def _connect_when_up(settings: Settings, deadline: float) -> Client:
    while True:
        try:
            return await connect(settings)
        except RuntimeError:  # the SDK's "Failed client connect": not listening yet
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(_PAUSE_SECONDS)


async def _search_attributes_in_place(client: Client, namespace: str) -> bool:
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    return set(search_attribute_types()) <= set(listed.custom_attributes)


async def prepare_cluster(settings: Settings) -> None:
    """Wait for Temporal, then make the namespace, its retention and our search attributes
    exist. Returns only once all are in place (the API and the workers start after it)."""
    deadline = time.monotonic() + READY_TIMEOUT.total_seconds()
    client = await _connect_when_up(settings, deadline)
    namespace = client.namespace
    await ensure_namespace(client, namespace, settings.temporal_retention_days)
    while True:
        try:
            await ensure_search_attributes(client, namespace)
            if await _search_attributes_in_place(client, namespace):
                return
        except RPCError as error:
            # A namespace registered a moment ago is not known to every frontend yet.
            if error.status not in (RPCStatusCode.NOT_FOUND, RPCStatusCode.INVALID_ARGUMENT):
                raise
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise TimeoutError(f"the search attributes of {namespace} did not appear in time")
        await asyncio.sleep(_PAUSE_SECONDS)
