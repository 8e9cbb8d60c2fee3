"""Reaching a real cluster: Temporal's environment configuration (a temporal.toml profile, or
TEMPORAL_API_KEY and TEMPORAL_TLS_* variables) gives TLS and API keys; our TEMPORAL_ADDRESS and
TEMPORAL_NAMESPACE settings win when they are set."""

import datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from temporalio.service import TLSConfig

from core.settings import Settings
from core.temporal import connect_options

TEMPORAL_ENV = ("TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE", "TEMPORAL_API_KEY", "TEMPORAL_PROFILE")


def _certificate(folder: Path, name: str) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    for name in TEMPORAL_ENV:
        monkeypatch.delenv(name, raising=False)
    # No temporal.toml of the machine's user: only the test's own.
    monkeypatch.setenv("TEMPORAL_CONFIG_FILE", str(tmp_path / "absent.toml"))
    return monkeypatch


def test_an_mtls_profile_reaches_the_client(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ca, _ = _certificate(tmp_path, "cluster-ca")
    cert, key = _certificate(tmp_path, "worker")
    config = tmp_path / "temporal.toml"
    config.write_text(
        f"""
[profile.production]
address = "lifeevents.a1b2c.tmprl.cloud:7233"
namespace = "lifeevents.a1b2c"
[profile.production.tls]
server_name = "lifeevents.a1b2c.tmprl.cloud"
server_ca_cert_path = "{ca}"
client_cert_path = "{cert}"
client_key_path = "{key}"
"""
    )
    clean_env.setenv("TEMPORAL_CONFIG_FILE", str(config))
    clean_env.setenv("TEMPORAL_PROFILE", "production")
    options = connect_options(Settings(_env_file=None))
    assert options["target_host"] == "lifeevents.a1b2c.tmprl.cloud:7233"
    assert options["namespace"] == "lifeevents.a1b2c"
    tls = options["tls"]
    assert isinstance(tls, TLSConfig)
    assert tls.domain == "lifeevents.a1b2c.tmprl.cloud"
    assert tls.server_root_ca_cert == ca.read_bytes()
    assert tls.client_cert == cert.read_bytes()
    assert tls.client_private_key == key.read_bytes()


def test_an_api_key_turns_tls_on(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TEMPORAL_API_KEY", "an-api-key")
    clean_env.setenv("TEMPORAL_ADDRESS", "eu-west-1.aws.api.temporal.io:7233")
    clean_env.setenv("TEMPORAL_NAMESPACE", "lifeevents.a1b2c")
    options = connect_options(Settings(_env_file=None))
    assert options["api_key"] == "an-api-key"
    assert options["tls"] is True
    assert options["target_host"] == "eu-west-1.aws.api.temporal.io:7233"
    assert options["namespace"] == "lifeevents.a1b2c"


def test_our_settings_win_over_a_profile(clean_env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "temporal.toml"
    config.write_text('[profile.default]\naddress = "elsewhere:7233"\nnamespace = "other"\n')
    clean_env.setenv("TEMPORAL_CONFIG_FILE", str(config))
    assert connect_options(Settings(_env_file=None))["target_host"] == "elsewhere:7233"
    options = connect_options(
        Settings(_env_file=None, temporal_address="temporal:7233", temporal_namespace="journeys")
    )
    assert (options["target_host"], options["namespace"]) == ("temporal:7233", "journeys")
    assert "tls" not in options  # a plain local cluster stays plain


def test_with_nothing_configured_it_is_the_local_dev_server(clean_env: pytest.MonkeyPatch) -> None:
    options = connect_options(Settings(_env_file=None))
    assert (options["target_host"], options["namespace"]) == ("127.0.0.1:7233", "default")
    assert "tls" not in options and "api_key" not in options
