"""Ready-made scenarios: the demo, the benchmark suite and an independently made held-out suite."""

from __future__ import annotations

from .scenario import Blink, Scenario, Smile, Spasm, Tremor


def demo_scenario() -> Scenario:
    return Scenario(duration_s=20.0, events=[Blink(1.0), Spasm(3.0, "right"), Smile(8.0, 2.0), Tremor(12.0, 2.0, 5.0)])


def benchmark_suite() -> list[Scenario]:
    return []


def heldout_suite() -> list[Scenario]:
    return []
