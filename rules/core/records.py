"""Records a plugin keeps per run (the AI calls of a run's steps): registered here, pruned with the runs.

The engine's history retention deletes a plugin's records of the runs it prunes in the same transaction, and
later the ones whose run is gone already; the plugin says which rows those are, the engine deletes them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rules.core.registry import Registry


@dataclass(frozen=True)
class RunRecords:
    # run ids (AutomationRun.run_id) -> a query of their records
    of_runs: Callable[[list[str]], Any]
    # (older than, a query of the run ids that still exist) -> a query of older records of no existing run
    orphans: Callable[[datetime, Any], Any]


run_records: Registry[RunRecords] = Registry("run record kind")
