"""One prediction request: parse and check it, pick the model version, classify, audit.

Every request, answered or rejected, ends in a :class:`Outcome` whose audit row is committed
before the reply goes out. Rejections are :class:`Rejection` s with an HTTP status, a short code
and a message naming the problem; the classification itself is
:func:`vitalkit.inference.beats.predict_beats`, the function ``vitalkit predict`` uses.

Examples
--------
>>> parse_body("application/json", b'{"signal": [0.1, 0.2], "sampling_rate": 360}', {}).n_samples
2
>>> parse_body("text/plain", b"", {})  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
vitalkit.serve.predict.Rejection: 415 unsupported_media_type: content type 'text/plain'; send ...
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from pydantic import BaseModel, Field, ValidationError

from vitalkit.data.records import Record
from vitalkit.errors import DataError
from vitalkit.export.package import ModelPackage, load_package
from vitalkit.inference.beats import (
    MIN_DURATION_S,
    BeatPredictions,
    checked_rpeaks,
    predict_beats,
    sampling_rate_range,
)
from vitalkit.serve.audit import AuditRow, AuditTrail, class_counts
from vitalkit.serve.registry import ModelVersion, Registry, RegistryError

MAX_BODY_BYTES = 8 << 20
"""Default largest request body (8 MiB: over 30 min of float32 samples at 1 kHz)."""

AGREEMENT_TOLERANCE_S = 0.05
"""Beats of the two A/B arms closer than this are the same beat."""


class Rejection(Exception):
    """A request the service refuses: HTTP status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        self.status, self.code, self.message = status, code, message
        super().__init__(f"{status} {code}: {message}")


class PredictRequest(BaseModel):
    """JSON body of ``POST /v1/predict`` (a binary body gives the same fields as query parameters)."""

    signal: list[float] = Field(description="one ECG lead in mV, at least 5 s")
    sampling_rate: float = Field(description="samples per second of the signal")
    model: str | None = Field(None, description="registered model name (default: the server's)")
    version: int | str | None = Field(None, description="a version number, 'production' or 'candidate'")
    rpeaks: list[int] | None = Field(None, description="R-peak sample indices from the client's detector")
    subject: str | None = Field(None, description="opaque subject reference, stored only as a salted hash")


@dataclass
class Segment:
    """A parsed request."""

    signal: np.ndarray
    sampling_rate: float
    model: str | None = None
    version: int | str | None = None
    rpeaks: np.ndarray | None = None
    subject: str | None = None

    @property
    def n_samples(self) -> int:
        return int(self.signal.size)

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the samples as float32 little-endian (the same for a JSON or binary body)."""
        return hashlib.sha256(np.ascontiguousarray(self.signal, dtype="<f4").tobytes()).hexdigest()


def _query_number(query: Mapping[str, str], key: str) -> float | None:
    if query.get(key) in (None, ""):
        return None
    try:
        return float(query[key])
    except ValueError:
        raise Rejection(422, "invalid_parameter", f"{key}={query[key]!r} is not a number") from None


def parse_body(content_type: str | None, body: bytes, query: Mapping[str, str]) -> Segment:
    """A :class:`Segment` from a JSON body, or from a float32 little-endian body and the query
    parameters ``sampling_rate``, ``model``, ``version``, ``rpeaks`` (comma-separated), ``subject``.

    Raises
    ------
    Rejection
        415 for another content type, 422 for a body or parameter that does not parse.
    """
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            doc = json.loads(body)
            request = PredictRequest.model_validate(doc)
        except ValueError as exc:  # JSONDecodeError and pydantic's ValidationError
            detail = (
                "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:3])
                if isinstance(exc, ValidationError)
                else f"not JSON ({exc})"
            )
            raise Rejection(422, "invalid_body", detail) from None
        signal = np.asarray(request.signal, dtype=np.float64)
        rpeaks = None if request.rpeaks is None else np.asarray(request.rpeaks, dtype=np.int64)
        return Segment(signal, request.sampling_rate, request.model, request.version, rpeaks, request.subject)
    if kind == "application/octet-stream":
        if len(body) % 4:
            raise Rejection(
                422, "invalid_body", f"{len(body)} bytes is not a whole number of float32 samples"
            )
        rate = _query_number(query, "sampling_rate")
        if rate is None:
            raise Rejection(422, "missing_sampling_rate", "give the sampling rate as ?sampling_rate=HZ")
        rpeaks = None
        if query.get("rpeaks"):
            try:
                rpeaks = np.asarray([int(v) for v in query["rpeaks"].split(",")], dtype=np.int64)
            except ValueError:
                raise Rejection(
                    422, "invalid_rpeaks", "rpeaks must be comma-separated sample indices"
                ) from None
        signal = np.frombuffer(body, dtype="<f4").astype(np.float64)
        return Segment(signal, rate, query.get("model"), query.get("version"), rpeaks, query.get("subject"))
    raise Rejection(
        415,
        "unsupported_media_type",
        f"content type {kind or 'none'!r}; send application/json or application/octet-stream "
        "(float32 little-endian)",
    )


def check_segment(segment: Segment, package: ModelPackage) -> None:
    """Reject a rate outside the model's range
    (:func:`~vitalkit.inference.beats.sampling_rate_range`), non-finite samples, a segment under
    :data:`~vitalkit.inference.beats.MIN_DURATION_S` and R peaks that are not sample indices."""
    lo, hi = sampling_rate_range(package)
    if not np.isfinite(segment.sampling_rate) or not lo <= segment.sampling_rate <= hi:
        raise Rejection(
            422,
            "sampling_rate_out_of_range",
            f"sampling rate {segment.sampling_rate:g} Hz outside the model's range {lo:g}-{hi:g} Hz",
        )
    bad = ~np.isfinite(segment.signal)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise Rejection(
            422,
            "non_finite_samples",
            f"{int(bad.sum())} NaN or infinite sample(s), the first at {first / segment.sampling_rate:.3f} s",
        )
    duration = segment.n_samples / segment.sampling_rate
    if duration < MIN_DURATION_S:
        raise Rejection(
            422, "segment_too_short", f"segment of {duration:.2f} s; at least {MIN_DURATION_S:g} s are needed"
        )
    if segment.rpeaks is not None:
        try:
            checked_rpeaks(segment.rpeaks, segment.n_samples, "rpeaks")
        except DataError as exc:
            raise Rejection(422, "invalid_rpeaks", exc.problem) from None


def ab_bucket(digest: str) -> int:
    """0-99 from an input's SHA-256: the same input always falls in the same bucket.

    >>> ab_bucket("00" * 32), ab_bucket("ff" * 32)
    (0, 95)
    """
    return int(digest[:8], 16) % 100


@dataclass
class Outcome:
    """A request's reply (status and JSON body) and its committed audit row."""

    status: int
    body: dict[str, Any]
    row: AuditRow
    seconds: float = 0.0
    agreement: tuple[int, int, int] | None = field(default=None)  # shadow version, compared, agreed


def agreement(
    a: BeatPredictions, b: BeatPredictions, tolerance_s: float = AGREEMENT_TOLERANCE_S
) -> tuple[int, int]:
    """(beats compared, beats of the same class): the union of both arms' beats, a beat only one
    arm found counting as a disagreement."""
    ta, tb = a.beats["time_s"].to_numpy(), b.beats["time_s"].to_numpy()
    ca, cb = a.beats["class"].to_numpy(), b.beats["class"].to_numpy()
    if tb.size == 0:
        return int(ta.size), 0
    nearest = np.clip(np.searchsorted(tb, ta), 1, tb.size) - 1
    nearest = np.where(
        (nearest + 1 < tb.size)
        & (np.abs(tb[np.minimum(nearest + 1, tb.size - 1)] - ta) < np.abs(tb[nearest] - ta)),
        nearest + 1,
        nearest,
    )
    matched = np.abs(tb[nearest] - ta) <= tolerance_s
    same = int((matched & (ca == cb[nearest])).sum())
    return int(ta.size + tb.size - matched.sum()), same


class Predictor:
    """Routes requests to model versions, keeps each loaded model once, classifies and audits.

    Parameters
    ----------
    registry : Registry
    trail : AuditTrail
    default_model : str
        Model used when a request names none.
    candidate_percent : float
        Share of inputs (by SHA-256) sent to the ``candidate`` version when a request names no
        version; 0 switches A/B off.
    shadow : bool
        In A/B mode, also run the other arm to measure agreement (its reply is not returned).
    threads : int
        onnxruntime threads per model.
    detector : str, optional
        R-peak detector (default the consensus).
    """

    def __init__(
        self,
        registry: Registry,
        trail: AuditTrail,
        default_model: str = "beats",
        candidate_percent: float = 0.0,
        shadow: bool = True,
        threads: int = 1,
        detector: str | None = None,
    ) -> None:
        self.registry, self.trail = registry, trail
        self.default_model, self.candidate_percent, self.shadow = default_model, candidate_percent, shadow
        self.threads, self.detector = threads, detector
        self._packages: dict[tuple[str, int, str], ModelPackage] = {}
        self._lock = threading.Lock()

    def package(self, version: ModelVersion) -> ModelPackage:
        """The loaded package of a version (loaded and SHA-checked once, then cached)."""
        key = (version.name, version.version, version.sha256)
        with self._lock:
            if key not in self._packages:
                self._packages[key] = load_package(self.registry.file(version), threads=self.threads)
            return self._packages[key]

    @property
    def loaded(self) -> list[str]:
        """``name:version`` of the models in memory."""
        return [f"{n}:{v}" for n, v, _ in self._packages]

    def route(self, segment: Segment, digest: str) -> tuple[ModelVersion, str, ModelVersion | None]:
        """(version to answer with, arm, the other arm for shadowing or None)."""
        name = segment.model or self.default_model
        try:
            if segment.version is not None:
                chosen = self.registry.get(name, segment.version)
                if chosen.retired_at is not None:
                    raise Rejection(404, "model_retired", f"{chosen.ref} is retired")
                return chosen, "requested", None
            production = self.registry.get(name, "production")
            if self.candidate_percent <= 0:
                return production, "production", None
            try:
                candidate = self.registry.get(name, "candidate")
            except RegistryError:
                return production, "production", None
        except RegistryError as exc:
            raise Rejection(404, "unknown_model", str(exc)) from None
        if ab_bucket(digest) < self.candidate_percent:
            return candidate, "candidate", production if self.shadow else None
        return production, "production", candidate if self.shadow else None

    def classify(self, version: ModelVersion, segment: Segment) -> BeatPredictions:
        """:func:`~vitalkit.inference.beats.predict_beats` on the segment as a one-lead record."""
        record = Record("request", segment.signal, segment.sampling_rate, ["ECG"], ["mV"])
        try:
            return predict_beats(
                self.package(version), record, lead=0, detector=self.detector, rpeaks=segment.rpeaks
            )
        except DataError as exc:
            raise Rejection(422, "unprocessable_segment", exc.problem) from None

    def handle(
        self,
        content_type: str | None,
        body: bytes,
        query: Mapping[str, str],
        started: float,
        rejection: Rejection | None = None,
    ) -> Outcome:
        """Answer one request (or audit and return ``rejection``, found before the body was
        read); the audit row is committed before this returns."""
        request_id = uuid.uuid4().hex
        row = AuditRow(request_id=request_id, status=200, latency_ms=0.0, model=query.get("model"))
        outcome: Outcome
        try:
            if rejection is not None:
                raise rejection
            segment = parse_body(content_type, body, query)
            digest = segment.sha256
            row.input_sha256, row.sampling_rate, row.n_samples = (
                digest,
                segment.sampling_rate,
                segment.n_samples,
            )
            row.model = segment.model or self.default_model
            if segment.subject:
                row.subject_hash = self.trail.subject_hash(segment.subject)
            chosen, arm, other = self.route(segment, digest)
            row.model, row.version, row.arm = chosen.name, chosen.version, arm
            row.beat_source = "rpeaks" if segment.rpeaks is not None else "detector"
            check_segment(segment, self.package(chosen))
            result = self.classify(chosen, segment)
            outcome = Outcome(200, self._reply(request_id, chosen, arm, segment, result), row)
            row.n_beats = len(result.beats)
            row.class_counts = class_counts(result.classes, result.beats["class"].to_numpy())
            if other is not None:
                try:
                    compared, agreed = agreement(result, self.classify(other, segment))
                except Rejection:
                    compared, agreed = len(result.beats), 0
                row.shadow_version = other.version
                row.agreement = agreed / compared if compared else 1.0
                outcome.agreement = (other.version, compared, agreed)
        except Rejection as exc:
            row.status, row.error, row.message = exc.status, exc.code, exc.message
            outcome = Outcome(exc.status, error_body(request_id, exc.code, exc.message), row)
        except Exception as exc:  # a bug, never the worker: answered 500 and audited
            row.status, row.error, row.message = 500, "internal_error", f"{type(exc).__name__}: {exc}"
            outcome = Outcome(500, error_body(request_id, "internal_error", row.message), row)
        outcome.seconds = time.perf_counter() - started
        row.latency_ms = round(1000.0 * outcome.seconds, 3)
        outcome.body["latency_ms"] = row.latency_ms
        self.trail.write(row)
        return outcome

    def _reply(
        self, request_id: str, version: ModelVersion, arm: str, segment: Segment, result: BeatPredictions
    ) -> dict[str, Any]:
        beats = result.beats
        proba = np.column_stack([beats[f"p_{c}"].to_numpy() for c in result.classes]).tolist()
        return {
            "request_id": request_id,
            "model": version.name,
            "version": version.version,
            "arm": arm,
            "input_sha256": segment.sha256,
            "sampling_rate": segment.sampling_rate,
            "n_samples": segment.n_samples,
            "beat_source": result.beat_source,
            "classes": result.classes,
            "class_counts": json.loads(class_counts(result.classes, beats["class"].to_numpy())),
            "skipped_at_edges": result.skipped_at_edges,
            "beats": [
                {"sample": s, "time_s": t, "class": c, "p": ps}
                for s, t, c, ps in zip(
                    beats["sample"].to_numpy().tolist(),
                    beats["time_s"].to_numpy().tolist(),
                    beats["class"].to_numpy().astype(str).tolist(),
                    proba,
                    strict=True,
                )
            ],
        }


def error_body(request_id: str, code: str, message: str) -> dict[str, Any]:
    """The JSON of a rejected request."""
    return {"request_id": request_id, "error": {"code": code, "message": message}}
