"""The inference service: a FastAPI application over the registry, the models and the audit trail.

=======================  =====================================================================
route                    what
=======================  =====================================================================
``POST /v1/predict``     beats, classes and probabilities of one ECG segment (JSON, or float32
                         little-endian ``application/octet-stream`` with query parameters)
``GET /v1/models``       registered versions, their labels and the A/B split
``GET /health``          database reachable, models loaded
``GET /metrics``         Prometheus text format (:mod:`vitalkit.serve.metrics`)
``GET /docs``            OpenAPI documentation (``/openapi.json``)
=======================  =====================================================================

Examples
--------
>>> from fastapi.testclient import TestClient                                     # doctest: +SKIP
>>> client = TestClient(create_app(ServeSettings(registry_url="sqlite:///r.db")))  # doctest: +SKIP
>>> client.get("/health").json()["status"]                                       # doctest: +SKIP
'ok'
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass

import anyio
import sqlalchemy as sa
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

import vitalkit
from vitalkit.serve.audit import AuditTrail
from vitalkit.serve.db import open_database
from vitalkit.serve.metrics import ServeMetrics
from vitalkit.serve.predict import MAX_BODY_BYTES, Predictor, PredictRequest, Rejection
from vitalkit.serve.registry import Registry
from vitalkit.serve.store import default_store

SETTINGS_ENV = "VITALKIT_SERVE_SETTINGS"
"""Environment variable that hands :class:`ServeSettings` (JSON) to each server process."""


@dataclass
class ServeSettings:
    """How ``vitalkit serve`` runs (see :class:`vitalkit.serve.predict.Predictor`)."""

    registry_url: str | None = None
    store_dir: str | None = None
    default_model: str = "beats"
    candidate_percent: float = 0.0
    shadow: bool = True
    threads: int = 1
    detector: str | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    preload: bool = True
    slots: int = 1
    """Requests computed at once per process; the others wait their turn in arrival order (more
    threads sharing the GIL stretch every request and starve the event loop)."""
    registry_refresh_s: float = 1.0
    """How long a process answers model lookups from memory (:class:`Registry` ``cache_s``): a
    ``vitalkit models promote`` or ``retire`` reaches running servers within this time."""


async def _read_body(request: Request, limit: int) -> tuple[bytes, Rejection | None]:
    """The body, or a 413 rejection as soon as it is known to pass ``limit`` bytes."""
    too_big = Rejection(413, "body_too_large", f"request body over the limit of {limit} bytes")
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return b"", too_big
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return b"", too_big
        chunks.append(chunk)
    return b"".join(chunks), None


def create_app(settings: ServeSettings | None = None) -> FastAPI:
    """The FastAPI application: opens (and migrates) the registry database, loads the production
    and candidate versions of the default model once (``preload``), and serves the routes."""
    settings = settings or ServeSettings()
    engine = open_database(settings.registry_url)
    registry = Registry(engine, settings.store_dir or default_store(), cache_s=settings.registry_refresh_s)
    predictor = Predictor(
        registry,
        AuditTrail(engine),
        default_model=settings.default_model,
        candidate_percent=settings.candidate_percent,
        shadow=settings.shadow,
        threads=settings.threads,
        detector=settings.detector,
    )
    if settings.preload:
        for version in registry.list(settings.default_model, include_retired=False):
            if version.labels:
                predictor.package(version)
    metrics = ServeMetrics()
    app = FastAPI(
        title="VitalKit inference",
        version=vitalkit.__version__,
        description="Beat classification of ECG segments with registered model versions; every "
        "request audited (input SHA-256, never the signal).",
    )
    app.state.predictor, app.state.metrics, app.state.settings = predictor, metrics, settings

    limiter = anyio.CapacityLimiter(settings.slots)
    body_schema = PredictRequest.model_json_schema()
    body_schema.pop("title", None)

    @app.post(
        "/v1/predict",
        summary="Classify the beats of one ECG segment",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": body_schema},
                    "application/octet-stream": {
                        "schema": {"type": "string", "format": "binary"},
                        "description": "float32 little-endian samples; sampling_rate, model, version, "
                        "rpeaks (comma-separated), subject as query parameters",
                    },
                },
            }
        },
    )
    async def predict(request: Request) -> JSONResponse:
        started = time.perf_counter()
        body, rejection = await _read_body(request, settings.max_body_bytes)
        outcome = await anyio.to_thread.run_sync(
            predictor.handle,
            request.headers.get("content-type"),
            body,
            dict(request.query_params),
            started,
            rejection,
            limiter=limiter,
        )
        row = outcome.row
        metrics.observe(row.model, row.version, outcome.status, outcome.seconds)
        if outcome.agreement is not None and row.version is not None:
            metrics.observe_agreement(row.model or "", row.version, *outcome.agreement)
        return JSONResponse(
            outcome.body, status_code=outcome.status, headers={"X-Request-ID": row.request_id}
        )

    @app.get("/v1/models", summary="Registered model versions and labels")
    def models() -> dict:
        return {
            "default_model": settings.default_model,
            "candidate_percent": settings.candidate_percent,
            "models": [v.summary() for v in registry.list()],
        }

    @app.get("/health", summary="Database reachable and models loaded")
    def health() -> JSONResponse:
        try:
            with engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            database = "ok"
        except sa.exc.SQLAlchemyError as exc:
            database = f"unreachable: {type(exc).__name__}"
        status = "ok" if database == "ok" else "degraded"
        return JSONResponse(
            {"status": status, "database": database, "models_loaded": predictor.loaded, "pid": os.getpid()},
            status_code=200 if status == "ok" else 503,
        )

    @app.get("/metrics", summary="Prometheus metrics")
    def prometheus() -> Response:
        return Response(metrics.exposition(), media_type="text/plain; version=0.0.4; charset=utf-8")

    return app


def app_from_env() -> FastAPI:
    """The app of :data:`SETTINGS_ENV` (each uvicorn worker process calls this factory)."""
    return create_app(ServeSettings(**json.loads(os.environ.get(SETTINGS_ENV, "{}"))))


def settings_env(settings: ServeSettings) -> str:
    """:class:`ServeSettings` as the JSON :func:`app_from_env` reads."""
    return json.dumps(asdict(settings))
