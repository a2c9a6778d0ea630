"""Serving exported beat models: a model registry, an HTTP inference API and its audit trail.

============================  ==================================================================
module                        what
============================  ==================================================================
:mod:`~vitalkit.serve.db`         the registry database (SQLAlchemy; SQLite or PostgreSQL),
                                  its schema made by the Alembic migrations in ``migrations/``
:mod:`~vitalkit.serve.store`      the content-addressed model file store
:mod:`~vitalkit.serve.registry`   ``vitalkit models``: register, list, show, promote, retire
:mod:`~vitalkit.serve.audit`      one audit row per request; CSV export; comparison of versions
:mod:`~vitalkit.serve.predict`    request checks, A/B routing and the call of
                                  :func:`vitalkit.inference.beats.predict_beats`
:mod:`~vitalkit.serve.metrics`    Prometheus counters and histograms
:mod:`~vitalkit.serve.app`        the FastAPI application (``vitalkit serve``)
:mod:`~vitalkit.serve.workers`    several server processes on one port, restarted when they die
:mod:`~vitalkit.serve.loadtest`   ``make benchmark-serve``: the load and kill test
============================  ==================================================================
"""
