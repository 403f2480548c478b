"""Every committed report is what its data say: each markdown file a report function writes is written again from
its folder alone (18_index's `regenerate`) and compared with the committed file; no folder holds markdown by hand."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports"
FOLDERS = sorted({p.parent for p in REPORTS.rglob("*.md")} - {REPORTS})
FOLDERS = [f for f in FOLDERS if "smoke" not in f.relative_to(REPORTS).parts]  # git ignores smoke runs


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: str(f.relative_to(REPORTS)))
def test_committed_report_regenerates_from_its_folder(folder):
    "A function writes the folder's markdown from its files alone, equal to the committed file, and nothing else."
    from wartok.index import regenerate
    gen = regenerate(folder)
    key = str(folder.relative_to(REPORTS))
    assert gen is not None, f"{key}: no report function writes its markdown"
    name, text = gen
    assert text == (folder / name).read_text(), f"{key}/{name} is not what its folder's data give"
    by_hand = sorted({p.name for p in folder.glob("*.md")} - {name})
    assert not by_hand, f"{key}: markdown by hand {by_hand}: write it by the study's report function"


def test_every_report_folder_is_checked():
    "The check above sees every report folder of the repository (16 today), not a few."
    assert len(FOLDERS) >= 16
