"""Prometheus metrics of the inference service (text format on ``GET /metrics``).

================================================  ============================================
metric                                            what
================================================  ============================================
``vitalkit_requests_total{model,version,status}``  requests by model version and HTTP status
``vitalkit_request_latency_seconds{model,version}`` latency histogram (request read to reply)
``vitalkit_ab_beats_compared_total{...}``          beats of A/B requests compared with the
                                                   other arm (``shadow_version``)
``vitalkit_ab_beats_agreed_total{...}``            of those, beats given the same class
``vitalkit_ab_agreement_ratio{...}``               agreed / compared so far
================================================  ============================================

Rejected requests that name no known version carry ``version=""``. With several server
processes (``PROMETHEUS_MULTIPROC_DIR`` set by ``vitalkit serve --workers N``) the figures of
all processes are summed.

Examples
--------
>>> m = ServeMetrics()
>>> m.observe("beats", 1, 200, 0.012)
>>> b"vitalkit_requests_total" in m.exposition()
True
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)
"""Histogram bounds in seconds: client-R-peak requests take milliseconds, detector ones tens."""


class ServeMetrics:
    """The service's counters and histograms, in a registry of their own (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "vitalkit_requests",
            "Requests by model version and status",
            ["model", "version", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "vitalkit_request_latency_seconds",
            "Request latency",
            ["model", "version"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        arms = ["model", "version", "shadow_version"]
        self.compared = Counter(
            "vitalkit_ab_beats_compared", "A/B beats compared", arms, registry=self.registry
        )
        self.agreed = Counter(
            "vitalkit_ab_beats_agreed", "A/B beats of the same class", arms, registry=self.registry
        )
        self.agreement = Gauge(
            "vitalkit_ab_agreement_ratio",
            "A/B agreement so far",
            arms,
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )

    def observe(self, model: str | None, version: int | None, status: int, seconds: float) -> None:
        """Count one request and its latency."""
        labels = (model or "", "" if version is None else str(version))
        self.requests.labels(*labels, str(status)).inc()
        self.latency.labels(*labels).observe(seconds)

    def observe_agreement(self, model: str, version: int, shadow: int, compared: int, agreed: int) -> None:
        """Count the beats one A/B request compared and those that agreed."""
        labels = (model, str(version), str(shadow))
        self.compared.labels(*labels).inc(compared)
        self.agreed.labels(*labels).inc(agreed)
        total = self.compared.labels(*labels)._value.get()
        self.agreement.labels(*labels).set(self.agreed.labels(*labels)._value.get() / total if total else 0.0)

    def exposition(self) -> bytes:
        """The Prometheus text format (all processes' figures in multiprocess mode)."""
        if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
            return generate_latest(registry)
        return generate_latest(self.registry)
