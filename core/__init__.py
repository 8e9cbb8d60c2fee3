"""Shared building blocks of the life-event orchestrator: settings, database, logging, Temporal.

This package's ``__init__`` stays empty on purpose: ``core.models`` is imported inside the
Temporal workflow sandbox and must not drag any I/O module in with it.
"""
