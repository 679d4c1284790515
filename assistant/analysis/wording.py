"""French words the answers share (units spelled out where a figure would be a number that is not in the rows)."""

from __future__ import annotations

PER_CAPITA = {1: "par habitant", 100: "pour cent habitants", 1000: "pour mille habitants",
              10000: "pour dix mille habitants", 100000: "pour cent mille habitants"}


def per_capita_words(scale: float) -> str:
    return PER_CAPITA.get(int(scale), "par habitant")
