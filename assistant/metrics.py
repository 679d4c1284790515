"""Prometheus metrics of one service instance (its own registry, so several apps can live in one process)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from assistant.llm import ModelGate


class Metrics:
    def __init__(self, gate: ModelGate) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("assistant_http_requests", "HTTP requests", ["route", "status"],
                                registry=self.registry)
        self.latency = Histogram("assistant_http_request_seconds", "HTTP request latency", ["route"],
                                 registry=self.registry,
                                 buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
        self.answers = Counter("assistant_answers", "Answers given", ["mode"], registry=self.registry)
        self.first_token = Histogram("assistant_first_token_seconds", "Time to first answer token",
                                     registry=self.registry, buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30))
        queue = Gauge("assistant_llm_queue_depth", "Requests waiting for the model", registry=self.registry)
        queue.set_function(lambda: gate.stats.waiting)
        active = Gauge("assistant_llm_active", "Generations running", registry=self.registry)
        active.set_function(lambda: gate.stats.active)
        tokens = Gauge("assistant_llm_tokens_generated", "Tokens generated since start", registry=self.registry)
        tokens.set_function(lambda: gate.stats.tokens_generated)
        rate = Gauge("assistant_llm_tokens_per_second", "Generation speed of the last answer",
                     registry=self.registry)
        rate.set_function(lambda: gate.stats.last_tokens_per_s or 0.0)
        rejected = Gauge("assistant_llm_rejected", "Requests refused because the queue was full",
                         registry=self.registry)
        rejected.set_function(lambda: gate.stats.rejected)

    def render(self) -> bytes:
        return generate_latest(self.registry)
