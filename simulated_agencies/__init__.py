"""Simulated agencies for the dev stack and the tests: real HTTP and a real Temporal worker.

They stand in for real agencies and behave like them: two answer webhooks at once, one accepts
and decides later through the orchestrator's callback, and one runs its own Temporal worker on
its own task queue. Each keeps what it received (``GET /_received``) so tests can check it.
"""
