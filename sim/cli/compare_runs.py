"""The runs of ``sim compare``: labels, every scenario on one backend, what a stop keeps.

:func:`run_scenarios` runs them with the same seeds; when Ctrl-C or a failing replication
stops it, :class:`ScenariosStopped` carries the outcomes that finished and
:func:`keep_incomplete_compare` keeps them in the output directory, marked incomplete.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sim.cli.common import keep_incomplete
from sim.scenario.schema import Scenario

if TYPE_CHECKING:
    import pandas as pd

SCENARIOS = "scenarios"


def file_safe(label: str) -> str:
    """``label`` with every character other than letters, digits, ``.``, ``_``, ``-`` as ``_``."""
    return re.sub(r"[^\w.-]", "_", label)


def unique_paths(paths: list[Path]) -> list[Path]:
    """The paths in order without repeats of one file (compared by resolved path)."""
    seen: set[Path] = set()
    out = []
    for path in paths:
        if path.resolve() not in seen:
            seen.add(path.resolve())
            out.append(path)
    return out


def unique_labels(names_and_stems: list[tuple[str, str]]) -> list[str]:
    """A distinct label per (scenario name, file stem), distinct also as a file name.

    The name if it is free, else the file's stem, else the stem with ``-2``, ``-3``...
    """
    taken: set[str] = set()
    labels = []
    for name, stem in names_and_stems:
        label = name if file_safe(name) not in taken else stem
        first, k = label, 1
        while file_safe(label) in taken:
            k += 1
            label = f"{first}-{k}"
        taken.add(file_safe(label))
        labels.append(label)
    return labels


def write_scenarios(directory: Path, labels: list[str], scenarios: list[Scenario]) -> None:
    """Write each resolved scenario as ``<label>.toml`` (loadable with ``load_scenario``)."""
    from sim.experiments import store

    directory.mkdir(parents=True, exist_ok=True)
    for label, s in zip(labels, scenarios, strict=True):
        store.write_scenario(directory, s, name=f"{file_safe(label)}.toml")


class ScenariosStopped(Exception):
    """The scenarios' runs stopped early: the outcome tables finished, and why.

    Attributes:
        tables: Outcome tables by label, of the scenarios that finished whole and the
            finished replications of the one that stopped.
        label: The scenario that stopped.
        stop: Its :class:`sim.experiments.runners.ReplicationsStopped`.
    """

    def __init__(self, tables: dict[str, pd.DataFrame], label: str, stop: Any) -> None:
        super().__init__(str(stop))
        self.tables, self.label, self.stop = tables, label, stop


def run_scenarios(
    labels: list[str], scenarios: list[Scenario], seeds: list[int], *, workers: int
) -> dict[str, pd.DataFrame]:
    """Run every scenario with the same seeds on one backend; outcome tables by label.

    Raises:
        ScenariosStopped: Ctrl-C, or a replication that failed; it holds what finished.
    """
    from sim.experiments.runners import ReplicationsStopped, make_backend, run_replications

    console = Console(stderr=True)
    tables = {}
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    label = labels[0]
    try:
        with (
            Progress(*columns, console=console, disable=not console.is_terminal) as bar,
            make_backend(workers) as backend,
        ):
            task = bar.add_task("replications", total=len(scenarios) * len(seeds))
            for label, scenario in zip(labels, scenarios, strict=True):
                bar.update(task, description=f"{label}: replications")
                result = run_replications(
                    scenario, seeds, backend=backend, progress=lambda _: bar.advance(task)
                )
                tables[label] = result.outcomes
    except ReplicationsStopped as stop:
        if stop.done:
            tables[label] = stop.partial.outcomes
        raise ScenariosStopped(tables, label, stop) from None
    return tables


def stack(tables: dict[str, pd.DataFrame], labels: list[str]) -> pd.DataFrame:
    """The outcome tables in one, with a ``scenario`` column in front."""
    import pandas as pd

    stacked = pd.concat([t.assign(scenario=k) for k, t in tables.items()], ignore_index=True)
    return stacked[["scenario", *tables[labels[0]].columns]]


def keep_incomplete_compare(
    stage: Any,
    stopped: ScenariosStopped,
    labels: list[str],
    scenarios: list[Scenario],
    manifest: dict[str, Any],
) -> NoReturn:
    """Keep the outcomes that finished in ``stage``, marked incomplete; say so and exit."""
    from sim.experiments import store

    stop, total = stopped.stop, stopped.stop.total
    done = [f"{k}:{i}" for k in labels[: labels.index(stopped.label)] for i in range(total)]
    done += [f"{stopped.label}:{i}" for i in stop.done]
    stop.done, stop.total = done, total * len(labels)

    def write(directory: Path) -> None:
        if stopped.tables:
            outcomes = {"outcomes": stack(stopped.tables, list(stopped.tables))}
            names = {"scenario": ", ".join(stopped.tables)}
            store.write_tables(directory, outcomes, csv=False, metadata=names)
        write_scenarios(directory / SCENARIOS, labels, scenarios)

    keep_incomplete(stage, stop, write, manifest, what=f"scenario {stopped.label}: ")
