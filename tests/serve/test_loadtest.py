"""The short, correctness-only version of ``make benchmark-serve``: a real ``vitalkit serve`` with
two worker processes on loopback, audit rows counted per cell, one worker SIGKILLed midway.
No figure is timed here (speed is the benchmark's business)."""

from __future__ import annotations

from vitalkit.serve.loadtest import benchmark


def test_load_and_kill_lose_no_audit_row(db_url: str) -> None:
    table, kill = benchmark(
        concurrency=(1, 4), requests=12, time_limit_s=120, kill_requests=32, registry_url=db_url
    )
    assert len(table) == 4 and set(table["beats"]) == {"detector", "rpeaks"}
    assert (table["requests"] == 12).all() and (table["ok"] == 12).all()
    assert (table["audit_rows"] == table["requests"]).all()
    assert kill["replies_without_audit_row"] == 0 and kill["duplicate_audit_rows"] == 0
    assert kill["replies_after_restart"] == 8
    assert kill["replies"] + kill["no_reply_killed_in_flight"] == kill["requests_sent"]
    # a killed request may have committed its row before its reply was lost, never more than that
    assert kill["replies"] <= kill["audit_rows"] <= kill["requests_sent"]
