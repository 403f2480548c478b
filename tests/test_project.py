"The project's own promises: README generated from index.ipynb, CI runs the README's test command."
import re, subprocess, sys
from pathlib import Path
import nbformat

ROOT = Path(__file__).resolve().parents[1]

def test_readme_is_index_notebook():
    nb = nbformat.read(ROOT / "nbs" / "index.ipynb", as_version=4)
    readme = (ROOT / "README.md").read_text()
    for cell in nb.cells:
        for line in cell.source.splitlines():
            assert line in readme, f"README.md is stale (regenerate from nbs/index.ipynb): missing {line!r}"

def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    cmd = "nbdev_test && pytest -q tests/"
    assert cmd in readme and cmd in (ROOT / ".ci" / "run").read_text()

def test_notebooks_keep_parameters_tags():
    for nb in ("run_cifar.ipynb", "run_imagenet.ipynb"):
        cells = nbformat.read(ROOT / "nbs" / nb, as_version=4).cells
        assert any("parameters" in c.metadata.get("tags", []) for c in cells), nb

def test_config_files_ship_with_the_package():
    import wartok
    conf = Path(wartok.__file__).parent / "conf"
    assert {p.stem for p in (conf / "preset").glob("*.yaml")} >= {"smoke", "cpu", "paper", "imagenet_smoke", "imagenet_paper"}
