"""The inference API on real ECG: predictions, bad requests, audit rows, metrics, A/B routing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from vitalkit.cli import main
from vitalkit.data.records import Record
from vitalkit.export.package import load_package
from vitalkit.inference.beats import predict_beats
from vitalkit.pretrained import resolve_model
from vitalkit.serve.app import ServeSettings, create_app
from vitalkit.serve.audit import AuditTrail
from vitalkit.serve.predict import ab_bucket

BINARY = {"content-type": "application/octet-stream"}


def test_predict_json_matches_predict_beats(served, segment_10s) -> None:
    client, registry = served
    signal, rate = segment_10s
    reply = client.post(
        "/v1/predict", json={"signal": signal.tolist(), "sampling_rate": rate, "subject": "p-17"}
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert (body["model"], body["version"], body["arm"], body["beat_source"]) == (
        "beats",
        1,
        "production",
        "detector",
    )
    direct = predict_beats(
        load_package(resolve_model("beats")),
        Record("r", signal.astype(np.float32).astype(float), rate, ["ECG"], ["mV"]),
        lead=0,
    )
    assert [b["sample"] for b in body["beats"]] == direct.beats["sample"].tolist()
    assert [b["class"] for b in body["beats"]] == direct.beats["class"].tolist()
    assert np.allclose([b["p"] for b in body["beats"]], direct.beats[["p_N", "p_S", "p_V", "p_F"]], atol=1e-5)
    assert len(body["beats"]) >= 10 and sum(body["class_counts"].values()) == len(body["beats"])
    rows = AuditTrail(registry.engine).export()
    assert len(rows) == 1
    row = rows.iloc[0]
    assert (row["status"], row["model"], row["version"], row["n_samples"]) == (200, "beats", 1, len(signal))
    assert row["request_id"] == reply.headers["X-Request-ID"] == body["request_id"]
    assert (
        row["input_sha256"] == body["input_sha256"]
        and json.loads(row["class_counts"]) == body["class_counts"]
    )
    assert row["subject_hash"] not in (None, "p-17") and len(row["subject_hash"]) == 64
    assert (
        "p-17" not in rows.to_csv()
        and str(round(float(signal[0]), 3)) not in rows.drop(columns="time").to_csv()
    )


def test_binary_body_with_client_rpeaks_gives_the_same_beats(served, segment_10s) -> None:
    client, _ = served
    signal, rate = segment_10s
    detected = client.post("/v1/predict", json={"signal": signal.tolist(), "sampling_rate": rate}).json()
    peaks = ",".join(str(b["sample"]) for b in detected["beats"])
    reply = client.post(
        "/v1/predict",
        params={"sampling_rate": rate, "rpeaks": peaks},
        content=signal.astype("<f4").tobytes(),
        headers=BINARY,
    )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["beat_source"] == "rpeaks" and body["input_sha256"] == detected["input_sha256"]
    inside = [b["sample"] for b in body["beats"]]
    assert (
        set(inside) <= {b["sample"] for b in detected["beats"]} and len(inside) >= len(detected["beats"]) - 2
    )
    assert {b["sample"]: b["class"] for b in body["beats"]} == {
        b["sample"]: b["class"] for b in detected["beats"] if b["sample"] in inside
    }


def _bad_requests(signal: np.ndarray, rate: float) -> list[tuple[dict, int, str]]:
    nan = signal.copy()
    nan[900] = np.nan
    return [
        ({"content": b"1,2,3", "headers": {"content-type": "text/csv"}}, 415, "unsupported_media_type"),
        ({"json": {"signal": signal.tolist(), "sampling_rate": 50}}, 422, "sampling_rate_out_of_range"),
        ({"json": {"signal": signal.tolist(), "sampling_rate": 5000}}, 422, "sampling_rate_out_of_range"),
        (
            {"content": nan.astype("<f4").tobytes(), "params": {"sampling_rate": rate}, "headers": BINARY},
            422,
            "non_finite_samples",
        ),
        (
            {
                "content": b'{"signal": [NaN, 1.0], "sampling_rate": 360}',
                "headers": {"content-type": "application/json"},
            },
            422,
            "non_finite_samples",
        ),
        ({"json": {"signal": signal[:1000].tolist(), "sampling_rate": rate}}, 422, "segment_too_short"),
        ({"json": {"signal": signal.tolist(), "sampling_rate": rate, "model": "nope"}}, 404, "unknown_model"),
        ({"json": {"signal": signal.tolist(), "sampling_rate": rate, "version": 5}}, 404, "unknown_model"),
        (
            {"content": b"\0" * (2 << 20), "params": {"sampling_rate": rate}, "headers": BINARY},
            413,
            "body_too_large",
        ),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422, "invalid_body"),
        ({"json": {"signal": "abc", "sampling_rate": rate}}, 422, "invalid_body"),
        ({"content": b"\0\0\0", "params": {"sampling_rate": rate}, "headers": BINARY}, 422, "invalid_body"),
        ({"content": signal.astype("<f4").tobytes(), "headers": BINARY}, 422, "missing_sampling_rate"),
        (
            {"json": {"signal": signal.tolist(), "sampling_rate": rate, "rpeaks": [500, 400]}},
            422,
            "invalid_rpeaks",
        ),
        (
            {"json": {"signal": signal.tolist(), "sampling_rate": rate, "rpeaks": [10, 99999]}},
            422,
            "invalid_rpeaks",
        ),
        ({"json": {"signal": np.zeros(3600).tolist(), "sampling_rate": rate}}, 422, "unprocessable_segment"),
    ]


def test_bad_requests_are_4xx_named_audited_and_harmless(
    registry, beats_model: Path, db_url: str, tmp_path: Path, segment_10s
) -> None:
    registry.register("beats", beats_model)
    registry.promote("beats", 1)
    app = create_app(
        ServeSettings(registry_url=db_url, store_dir=str(tmp_path / "store"), max_body_bytes=1 << 20)
    )
    signal, rate = segment_10s
    cases = _bad_requests(signal, rate)
    with TestClient(app) as client:
        for kwargs, status, code in cases:
            reply = client.post("/v1/predict", **kwargs)
            assert (reply.status_code, reply.json()["error"]["code"]) == (status, code), reply.text
            assert reply.json()["error"]["message"]
        assert (
            client.post("/v1/predict", json={"signal": signal.tolist(), "sampling_rate": rate}).status_code
            == 200
        )
    rows = AuditTrail(registry.engine).export()
    assert rows["error"].tolist() == [c for _, _, c in cases] + [None]
    assert rows["status"].tolist() == [s for _, s, _ in cases] + [200]


def test_models_health_metrics_and_docs(served, segment_10s) -> None:
    client, _ = served
    signal, rate = segment_10s
    client.post("/v1/predict", json={"signal": signal.tolist(), "sampling_rate": rate})
    client.post("/v1/predict", json={"signal": signal[:100].tolist(), "sampling_rate": rate})
    models = client.get("/v1/models").json()["models"]
    assert [(m["name"], m["version"], m["labels"]) for m in models] == [("beats", 1, ["production"])]
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["models_loaded"] == ["beats:1"]
    text = client.get("/metrics").text
    assert 'vitalkit_requests_total{model="beats",status="200",version="1"} 1.0' in text
    assert 'vitalkit_requests_total{model="beats",status="422",version="1"} 1.0' in text
    assert 'vitalkit_request_latency_seconds_count{model="beats",version="1"} 2.0' in text
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]["/v1/predict"]["post"]["requestBody"]["content"]) == {
        "application/json",
        "application/octet-stream",
    }
    assert client.get("/docs").status_code == 200


def test_ab_split_by_input_hash_with_agreement(
    registry, db_url: str, tmp_path: Path, segment_10s, capsys
) -> None:
    registry.register("beats", resolve_model("beats"))
    registry.register("beats", resolve_model("beats-all"))
    registry.promote("beats", 1, "production")
    registry.promote("beats", 2, "candidate")
    app = create_app(
        ServeSettings(registry_url=db_url, store_dir=str(tmp_path / "store"), candidate_percent=50)
    )
    signal, rate = segment_10s
    arms = {}
    with TestClient(app) as client:
        for shift in range(8):
            piece = signal * (1.0 + shift / 100.0)
            first = client.post("/v1/predict", json={"signal": piece.tolist(), "sampling_rate": rate}).json()
            again = client.post("/v1/predict", json={"signal": piece.tolist(), "sampling_rate": rate}).json()
            assert (first["version"], first["arm"]) == (
                again["version"],
                again["arm"],
            )  # same input, same arm
            assert first["arm"] == ("candidate" if ab_bucket(first["input_sha256"]) < 50 else "production")
            arms[first["arm"]] = first["version"]
        pinned = client.post(
            "/v1/predict", json={"signal": signal.tolist(), "sampling_rate": rate, "version": 2}
        )
        assert (pinned.json()["version"], pinned.json()["arm"]) == (2, "requested")
        text = client.get("/metrics").text
    assert arms == {"production": 1, "candidate": 2}
    assert 'vitalkit_ab_agreement_ratio{model="beats",shadow_version="1",version="2"}' in text
    rows = AuditTrail(registry.engine).export()
    ab = rows[rows["arm"] != "requested"]
    assert ab["agreement"].between(0, 1).all() and set(ab["shadow_version"]) == {1, 2}
    assert main(["models", "compare", "beats", "--registry", db_url]) == 0
    out = capsys.readouterr().out
    assert "agreement" in out and "p99_ms" in out


def test_audit_export_period_as_csv(served, segment_10s, db_url: str, tmp_path: Path, capsys) -> None:
    client, _ = served
    signal, rate = segment_10s
    for _ in range(3):
        client.post("/v1/predict", json={"signal": signal.tolist(), "sampling_rate": rate})
    out = tmp_path / "audit.csv"
    assert main(["audit", "--registry", db_url, "--since", "2000-01-01", "--out", str(out)]) == 0
    assert "3 audit rows" in capsys.readouterr().out
    import pandas as pd

    frame = pd.read_csv(out)
    assert len(frame) == 3 and (frame["status"] == 200).all() and frame["request_id"].is_unique
    assert main(["audit", "--registry", db_url, "--until", "2000-01-01", "--out", str(out)]) == 0
    assert len(pd.read_csv(out)) == 0
    assert main(["audit", "--registry", db_url, "--since", "yesterday"]) == 2
