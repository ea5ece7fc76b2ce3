"""Prometheus metrics of one server (own registry, so several apps can coexist)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter("mlx_requests", "HTTP requests answered", ["route", "method", "code"], registry=r)
        self.errors = Counter("mlx_request_errors", "HTTP requests answered with 4xx/5xx", ["route", "code"], registry=r)
        self.latency = Histogram(
            "mlx_request_latency_seconds", "Time from request to response", ["route"], buckets=LATENCY_BUCKETS, registry=r
        )
        self.batch_size = Histogram("mlx_batch_size", "Items per predict call", buckets=BATCH_BUCKETS, registry=r)
        self.predict_latency = Histogram(
            "mlx_predict_latency_seconds", "Time of one predict call", buckets=LATENCY_BUCKETS, registry=r
        )
        self.load_seconds = Gauge("mlx_model_load_seconds", "Time the model's load() took", registry=r)
        self.rejected = Counter(
            "mlx_rejected_requests", "Requests refused with 503 because the batching queue was full", registry=r
        )
        self.queue_depth = Gauge("mlx_queue_depth", "Items waiting for a predict call", registry=r)
        self.ready = Gauge("mlx_model_ready", "1 once load() finished, else 0", registry=r)

    def observe_request(self, route: str, method: str, code: int, seconds: float) -> None:
        self.requests.labels(route, method, str(code)).inc()
        if code >= 400:
            self.errors.labels(route, str(code)).inc()
        self.latency.labels(route).observe(seconds)

    def observe_batch(self, size: int, seconds: float) -> None:
        self.batch_size.observe(size)
        self.predict_latency.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
