"""The orchestrator sends a person's data to public addresses only: webhook and withdrawal URLs
that reach loopback, private, link-local (cloud metadata), multicast, unspecified or reserved
addresses, however spelled, are refused at registration and again just before sending, unless
an operator allows their network (AGENCY_URL_ALLOWED_NETWORKS)."""

from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import ValidationError
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.compensation import withdraw_submission
from activities.submission import deliver_webhook
from core.models import AgencyRequest, DeliverWebhookInput, WithdrawalInput
from core.registry import RegistryError, ServiceRegistration, check_urls
from core.settings import Settings, get_settings
from core.urls import AgencyUrlError, check_agency_url, parse_networks

LOOPBACK = parse_networks("127.0.0.0/8,::1/128")

REFUSED = [
    "http://127.0.0.1/hook",
    "http://127.1.2.3:8080/hook",
    "http://localhost/hook",
    "http://LOCALHOST/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:7f00:1]/hook",
    "http://[::127.0.0.1]/hook",
    "http://2130706433/",  # 127.0.0.1, decimal
    "http://0x7f000001/",  # hexadecimal
    "http://0177.0.0.1/",  # octal
    "http://127.1/",  # short form
    "http://0.0.0.0/",
    "http://0/",
    "http://[::]/",
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata
    "http://[::ffff:169.254.169.254]/",
    "http://[fe80::1]/",
    "http://[fd00:ec2::254]/",  # AWS metadata over IPv6 (unique local)
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://192.168.1.1/",
    "http://[fc00::1]/",
    "http://[::ffff:10.0.0.1]/",
    "http://[2002:a00:1::]/",  # 6to4 around 10.0.0.1
    "http://[64:ff9b::7f00:1]/",  # NAT64 around 127.0.0.1
    "http://100.64.0.1/",  # shared address space (carrier-grade NAT)
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://192.0.2.1/",  # documentation
    "https://127.0.0.1:8443/",
]
PUBLIC = [
    "https://8.8.8.8/hook",
    "http://1.1.1.1:8080/hook",
    "https://[2606:4700:4700::1111]/hook",
    "https://93.184.215.14/notices?x=1",
]


@pytest.mark.parametrize("url", REFUSED)
def test_addresses_that_are_not_public_are_refused(url: str) -> None:
    with pytest.raises(AgencyUrlError, match="the address is not allowed"):
        check_agency_url(url)


@pytest.mark.parametrize("url", PUBLIC)
def test_public_addresses_are_accepted(url: str) -> None:
    assert check_agency_url(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://8.8.8.8/hook", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://8.8.8.8/", "only http and https"),
        ("https://user:secret@8.8.8.8/hook", "user name or password"),
        ("https://user@8.8.8.8/hook", "user name or password"),
        ("https://8.8.8.8@127.0.0.1/hook", "user name or password"),
        ("http:///hook", "no host"),
        ("http://8.8.8.8:99999/", "not a valid URL"),
    ],
)
def test_only_http_and_https_without_credentials(url: str, message: str) -> None:
    with pytest.raises(AgencyUrlError, match=message):
        check_agency_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8001/agencies/x",
        "http://localhost:8001/x",
        "http://[::1]:8001/x",
        "http://[::ffff:127.0.0.1]/x",
        "http://2130706433/",
    ],
)
def test_an_allowed_network_is_accepted(url: str) -> None:
    assert check_agency_url(url, LOOPBACK)


def test_the_allow_list_allows_its_networks_only() -> None:
    with pytest.raises(AgencyUrlError, match="not allowed"):
        check_agency_url("http://169.254.169.254/", LOOPBACK)
    with pytest.raises(AgencyUrlError, match="not allowed"):
        check_agency_url("http://10.0.0.1/", parse_networks("10.1.0.0/16"))
    assert check_agency_url("http://10.1.2.3/", parse_networks(" 10.1.0.0/16 , fd00::/8"))
    assert parse_networks("") == ()
    with pytest.raises(ValueError):
        parse_networks("not-a-network")


def registration(**changes: Any) -> ServiceRegistration:
    return ServiceRegistration.model_validate(
        {
            "service_id": "harbour.birth-notice",
            "title": {"en": "Harbour birth notice", "fr": "Avis de naissance"},
            "life_events": ["birth"],
            "fields": ["child.given_name"],
            "delivery": {"mode": "webhook", "url": "https://8.8.8.8/notices"},
            **changes,
        }
    )


def test_registration_refuses_a_url_naming_the_field() -> None:
    settings = Settings(agency_url_allowed_networks="")
    with pytest.raises(RegistryError) as raised:
        check_urls(
            registration(delivery={"mode": "webhook", "url": "http://169.254.169.254/"}), settings
        )
    assert raised.value.loc == ("delivery", "url")
    assert "not allowed" in raised.value.message
    with pytest.raises(RegistryError) as raised:
        check_urls(registration(withdrawal={"mode": "webhook", "url": "http://[::1]/w"}), settings)
    assert raised.value.loc == ("withdrawal", "url")
    # Public, native (task queue), not resolving yet (checked again at each request): accepted.
    check_urls(registration(withdrawal={"mode": "webhook", "url": "https://1.1.1.1/w"}), settings)
    native = {"mode": "task_queue", "task_queue": "agency-x", "activity": "x"}
    check_urls(registration(delivery=native, withdrawal=native), settings)
    check_urls(
        registration(delivery={"mode": "webhook", "url": "https://harbour.invalid/"}), settings
    )
    # With the dev stack's allow-list, loopback is fine.
    local = registration(delivery={"mode": "webhook", "url": "http://127.0.0.1:8001/x"})
    check_urls(local, Settings(agency_url_allowed_networks="127.0.0.0/8,::1/128"))


def test_credentials_in_a_url_are_a_validation_error_naming_the_field() -> None:
    with pytest.raises(ValidationError) as raised:
        registration(delivery={"mode": "webhook", "url": "https://user:pw@harbour.example/"})
    assert [tuple(e["loc"]) for e in raised.value.errors()] == [("delivery", "webhook", "url")]


@pytest.fixture
def no_allowed_networks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AGENCY_URL_ALLOWED_NETWORKS", "")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def submission(url: str) -> DeliverWebhookInput:
    return DeliverWebhookInput(
        journey_id="j-1",
        agency_id="harbour",
        url=url,
        request=AgencyRequest(
            journey_id="j-1",
            service_id="harbour.birth-notice",
            life_event="birth",
            step_id="harbour.birth-notice",
            data={"child": {"given_name": "Noah"}},
            callback_url="http://127.0.0.1:8000/v1/agency-callbacks/x",
        ),
        idempotency_key="j-1/harbour.birth-notice/submit",
    )


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:9/hook", "http://localhost:9/hook", "http://169.254.169.254/"]
)
async def test_deliver_webhook_refuses_a_loopback_url_when_nothing_is_allowed(
    no_allowed_networks: None, url: str
) -> None:
    """Nothing is sent (not even the database is asked for the agency's secret)."""
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(deliver_webhook, submission(url))
    assert raised.value.non_retryable
    assert "the address is not allowed" in str(raised.value)


async def test_withdraw_submission_refuses_a_loopback_url_when_nothing_is_allowed(
    no_allowed_networks: None,
) -> None:
    notice = WithdrawalInput(
        journey_id="j-1",
        agency_id="harbour",
        url="http://[::1]:9/withdraw",
        idempotency_key="j-1/harbour.birth-notice/withdraw",
        service_id="harbour.birth-notice",
        step_id="harbour.birth-notice",
        reference="REF-1",
    )
    with pytest.raises(ApplicationError) as raised:
        await ActivityEnvironment().run(withdraw_submission, notice)
    assert raised.value.non_retryable
    assert "the address is not allowed" in str(raised.value)
