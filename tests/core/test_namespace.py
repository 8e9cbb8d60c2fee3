"""`lifeevents setup`'s cluster side on a real Temporal server: a namespace nobody created yet is
registered with its retention and gets our search attributes; running it again changes only the
retention."""

import uuid

from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from core.namespace import ensure_namespace, prepare_cluster
from core.settings import Settings
from core.temporal import search_attribute_types


async def _retention_days(client: Client, namespace: str) -> int:
    described = await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=namespace)
    )
    return described.config.workflow_execution_retention_ttl.ToTimedelta().days


async def test_a_missing_namespace_is_registered_with_retention_and_search_attributes(
    temporal_client: Client,
) -> None:
    namespace = f"setup-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        temporal_address=temporal_client.service_client.config.target_host,
        temporal_namespace=namespace,
        temporal_retention_days=12,
    )
    await prepare_cluster(settings)
    assert await _retention_days(temporal_client, namespace) == 12
    listed = await temporal_client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    for name, value_type in search_attribute_types().items():
        assert listed.custom_attributes[name] == value_type

    # Again, with another retention: nothing is registered twice, the retention follows.
    assert not await ensure_namespace(temporal_client, namespace, 3)
    assert await _retention_days(temporal_client, namespace) == 3
    await prepare_cluster(settings.model_copy(update={"temporal_retention_days": 5}))
    assert await _retention_days(temporal_client, namespace) == 5
