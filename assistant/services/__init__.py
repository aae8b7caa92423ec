"""Mini-program services: manifests, the searchable directory, and calling their actions."""

from __future__ import annotations

from .catalog import Catalog, build_directory, manifest_folder
from .directory import SearchHit, ServiceDirectory
from .invoke import (
    IDEMPOTENCY_HEADER,
    CallContext,
    CallResult,
    Handler,
    Invoker,
    ServiceCallError,
    ServiceEntry,
)
from .manifest import Action, ManifestError, Parameter, ServiceManifest, load_manifest_file
from .store import Store

__all__ = [
    "IDEMPOTENCY_HEADER",
    "Action",
    "CallContext",
    "CallResult",
    "Catalog",
    "Handler",
    "Invoker",
    "ManifestError",
    "Parameter",
    "SearchHit",
    "ServiceCallError",
    "ServiceDirectory",
    "ServiceEntry",
    "ServiceManifest",
    "Store",
    "build_directory",
    "load_manifest_file",
    "manifest_folder",
]
