"""Reading a Prometheus scrape in tests: series by the names Prometheus stores them under
(prometheus_client's own parser renames a counter without ``_total``, as the worker's are)."""

import re
from dataclasses import dataclass

_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


def parse(scraped: str) -> list[Sample]:
    found = []
    for line in scraped.splitlines():
        if not line or line.startswith("#"):
            continue
        matched = _SAMPLE.match(line)
        assert matched, line
        name, labels, value = matched.groups()
        found.append(Sample(name, dict(_LABEL.findall(labels or "")), float(value)))
    return found


def samples(scraped: str, name: str, **labels: str) -> list[float]:
    """The values of every sample named ``name`` whose labels include ``labels``."""
    return [
        sample.value
        for sample in parse(scraped)
        if sample.name == name and labels.items() <= sample.labels.items()
    ]


def total(scraped: str, name: str, **labels: str) -> float:
    """The sum of those samples (0 when there is none yet)."""
    return sum(samples(scraped, name, **labels))


def metric_names(scraped: str) -> set[str]:
    """Every series name in the scrape (a histogram's _bucket, _count and _sum included)."""
    return {sample.name for sample in parse(scraped)}
