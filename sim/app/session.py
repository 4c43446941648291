"""What one page steps: the scenario's model and, on the same seed, the baseline's.

Both are :class:`sim.model.mesa_api.BatchModel` (the real model, with Mesa's
``datacollector`` and ``running``), seeded like replication 0 of ``sim run --seed S
-r 1``, so the numbers on the page at step ``t`` are those of
``sim.experiments.experiment.run(scenario, seed=child_seeds(S, 1)[0], steps=t)``.
:meth:`Session.export` writes what is on screen as the output directory ``sim run`` writes.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sim.cli.common import DEFAULT_SEED, caption
from sim.experiments.experiment import RunResult, child_seeds
from sim.model.mesa_api import BatchModel, resolve_scenario
from sim.scenario.schema import Scenario

BASELINE = Path("scenarios/baseline.toml")
RUN_PATHS = ("run.enterprises", "run.steps")  # what the baseline shares with the scenario


def result_of(model: BatchModel, seed: int) -> RunResult:
    """The tables of a model so far, as :func:`sim.experiments.experiment.run` returns them."""
    import pandas as pd

    return RunResult(
        seed=seed,
        outcomes=pd.DataFrame.from_records(model.records),
        provinces=model.province_rows.frame(),
        platforms=model.platform_rows.frame(),
    )


class Session:
    """A scenario (with lever values) and its baseline, stepped together from one seed.

    Args:
        scenario_path: The scenario file.
        params: Lever values by dotted path, set on the scenario (checked by the schema).
        seed: The base seed; the models use its first child seed, as ``sim run`` does.
        baseline: The baseline's file, or None for no baseline. It gets the scenario's
            ``run.*`` values, and is left out when it is the scenario itself.
    """

    def __init__(
        self,
        scenario_path: str | Path,
        params: Mapping[str, Any] | None = None,
        *,
        seed: int = DEFAULT_SEED,
        baseline: str | Path | None = BASELINE,
    ) -> None:
        self.scenario_path = Path(scenario_path)
        self.params = dict(params or {})
        self.seed = seed
        self.child = child_seeds(seed, 1)[0]
        self.scenario: Scenario = resolve_scenario(self.scenario_path, self.params)
        self.model = BatchModel(self.scenario, rng=self.child)
        self.base: BatchModel | None = None
        if baseline is not None and Path(baseline).resolve() != self.scenario_path.resolve():
            run_params = {p: v for p, v in self.params.items() if p in RUN_PATHS}
            base_scenario = resolve_scenario(Path(baseline), run_params)
            self.base = BatchModel(base_scenario, rng=self.child)
        self.lock = threading.Lock()  # a playing page steps in a thread while it draws

    @property
    def steps(self) -> int:
        """Quarters run so far."""
        return int(self.model.steps)

    @property
    def running(self) -> bool:
        """Whether the scenario has quarters left (Mesa's ``running``)."""
        return bool(self.model.running)

    def step(self) -> None:
        """One quarter of the scenario and of the baseline."""
        with self.lock:
            if not self.model.running:
                return
            self.model.step()
            if self.base is not None and self.base.running:
                self.base.step()

    def snapshot(self) -> tuple[RunResult, RunResult | None]:
        """The scenario's and the baseline's tables, taken together between two steps."""
        with self.lock:
            return self.result(), self.base_result()

    def result(self) -> RunResult:
        """The scenario's tables so far."""
        return result_of(self.model, self.child)

    def base_result(self) -> RunResult | None:
        """The baseline's tables so far (None without a baseline)."""
        return None if self.base is None else result_of(self.base, self.child)

    def caption(self) -> str:
        """The chart caption, as ``sim run`` writes it, with the quarter shown."""
        return f"{caption(self.scenario.name, 1, self.seed)} · quarter {self.steps}"

    def overrides(self) -> list[str]:
        """The lever values as ``--set`` arguments, plus the steps run."""
        sets = [f"{path}={value}" for path, value in self.params.items() if path != "run.steps"]
        return [*sets, f"run.steps={self.steps}"]

    def export(self, out: str | Path | None = None, *, force: bool = False, charts: bool = True):
        """Write the steps run so far as a ``sim run`` output directory; return its path.

        The directory is that of ``sim run SCENARIO -r 1 --seed SEED --set ...
        --steps STEPS``: the three tables, ``summary.csv``, ``scenario.toml`` (resolved,
        with ``run.steps`` the quarters run), ``manifest.json`` and, with ``charts``, the
        charts.
        """
        from sim.analysis.summary import summary_table
        from sim.experiments import store
        from sim.experiments.staging import StagedDir

        if self.steps == 0:
            raise ValueError("nothing to export: run at least one quarter first")
        clock = time.perf_counter()
        resolved = resolve_scenario(self.scenario, {"run.steps": self.steps})
        target = store.default_out_dir(resolved.name) if out is None else Path(out)
        stage = StagedDir(target, force=force)
        stage.open()
        with self.lock:
            result = self.result().tagged(0)
        tables = {name: getattr(result, name) for name in store.TABLES}
        summary = summary_table(result.outcomes)
        directory = stage.path
        store.write_tables(directory, tables, csv=False, metadata={"scenario": resolved.name})
        store.write_scenario(directory, resolved)
        store.write_summary(directory, summary)
        if charts:
            from sim.plots.run_charts import save_run_charts

            save_run_charts(
                result.outcomes,
                directory / store.CHARTS,
                caption=caption(resolved.name, 1, self.seed),
                provinces=result.provinces,
                platforms=result.platforms,
                workers=1,
                start_year=resolved.run.start_year,
            )
        manifest = store.build_manifest(
            resolved,
            scenario_path=self.scenario_path,
            overrides=self.overrides(),
            base_seed=self.seed,
            seeds=[self.child],
            workers=1,
            started=store.now_iso(),
            ended=store.now_iso(),
            wall_seconds=time.perf_counter() - clock,
            command=[Path(sys.argv[0]).name, *sys.argv[1:]],
        )
        store.write_manifest(directory, manifest)
        return stage.commit()
