"""What the simulated agencies received is personal data: `GET /_received` takes a bearer
token, and docker compose publishes nothing but the API."""

from pathlib import Path

import yaml
from fastapi.testclient import TestClient

from simulated_agencies.app import create_agencies_app
from simulated_agencies.store import AgencyStore

ROOT = Path(__file__).resolve().parents[2]


def test_received_needs_the_inspection_token(tmp_path: Path) -> None:
    store = AgencyStore(tmp_path / "agencies.db")
    app = create_agencies_app(store, 0, {}, inspection_token="inspect-me")
    with TestClient(app) as client:
        assert client.get("/_received").status_code == 401
        assert client.get("/_received", headers={"Authorization": "Bearer nope"}).status_code == 401
        assert client.get("/_received", headers={"Authorization": "inspect-me"}).status_code == 401
        ok = client.get("/_received", headers={"Authorization": "Bearer inspect-me"})
        assert (ok.status_code, ok.json()) == (200, [])
        assert client.get("/healthz").status_code == 200


def test_without_a_configured_token_nobody_reads_it(tmp_path: Path) -> None:
    app = create_agencies_app(AgencyStore(tmp_path / "agencies.db"), 0, {})
    with TestClient(app) as client:
        assert client.get("/_received").status_code == 401
        assert client.get("/_received", headers={"Authorization": "Bearer "}).status_code == 401


def test_compose_publishes_nothing_but_the_api() -> None:
    """Not the simulated agencies (they are not in compose at all), not Temporal's frontend,
    not its UI."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    published = {name for name, spec in compose["services"].items() if spec.get("ports")}
    assert published == {"api"}
