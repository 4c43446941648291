"""Redraw the chart gallery in docs/gallery/ from real runs of the three commands.

Run from the repository root: ``./dev python docs/make_gallery.py`` (about two minutes).
It runs ``sim run scenarios/coordination.toml``, ``sim compare`` of the baseline and the
coordination scenario, and a small Sobol sweep of the coordination scenario, all at their
default sizes and seed, into a temporary directory, then copies one PNG of each chart into
``docs/gallery/``, reduced to 256 colours so that the committed images stay small.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
GALLERY = ROOT / "docs" / "gallery"
SIM = [sys.executable, "-m", "sim"]
SWEEP = [
    "scenarios/coordination.toml",
    *("-p", "policy.coordination.joint_cap.rate=0.1:0.6"),
    *("-p", "freight.fixed_cost=5000:30000"),
    *("-p", "strategy.herding=0.02:0.2"),
    *("--method", "sobol", "--samples", "32", "-r", "2"),
    *("--outcomes", "welfare_total,mean_load_factor,member_leakage,subsidy_per_feu"),
]
# gallery name <- (output directory, chart path inside it)
CHARTS = {
    "platforms.png": ("run", "charts/platforms.png"),
    "trade.png": ("run", "charts/trade.png"),
    "finance.png": ("run", "charts/finance.png"),
    "innovation.png": ("run", "charts/innovation.png"),
    "welfare.png": ("run", "charts/welfare.png"),
    "map.png": ("run", "charts/map.png"),
    "subsidy_by_province.png": ("run", "charts/subsidy_by_province.png"),
    "funnel.png": ("run", "charts/funnel.png"),
    "compare_platforms.png": ("compare", "charts/platforms.png"),
    "difference_from_base.png": ("compare", "charts/difference_from_base.png"),
    "sobol_indices.png": ("sweep", "report/sobol_indices.png"),
    "heatmap.png": ("sweep", "report/heatmap.png"),
}


def sim(*args: str | Path) -> None:
    """Run one ``sim`` command from the repository root, failing loudly."""
    command = [*SIM, *map(str, args)]
    print("$ sim", *map(str, args), flush=True)
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)


def shrink(source: Path, target: Path) -> None:
    """Copy a PNG as 256 colours without dithering (charts have few colours anyway).

    The octree method keeps the palette's colours within a few units of their values.
    """
    with Image.open(source) as image:
        rgb = image.convert("RGB")
        small = rgb.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
        small.save(target, optimize=True)


def main() -> None:
    """Run the three commands and refresh the gallery."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        sim("run", "scenarios/coordination.toml", "--out", out / "run")
        sim(
            "compare",
            "scenarios/baseline.toml",
            "scenarios/coordination.toml",
            "--out",
            out / "compare",
        )
        sim("sweep", *SWEEP, "--out", out / "sweep")
        GALLERY.mkdir(parents=True, exist_ok=True)
        for name, (where, path) in CHARTS.items():
            shrink(out / where / path, GALLERY / name)
    total = sum(p.stat().st_size for p in GALLERY.iterdir())
    print(f"gallery: {len(list(GALLERY.iterdir()))} files, {total / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
