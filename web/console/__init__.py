"""The operator console (/console): find journeys, the incident queue, a journey's page (read
with a reason, audited), the agencies. Server-rendered like the citizen pages, for operators
with a session (web/console/session.py)."""
