"""Every committed report is what its data say: each markdown file a report function writes is written again from
its folder alone (18_index's `regenerate`) and compared with the committed file."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports"
FOLDERS = sorted({p.parent for p in REPORTS.rglob("*.md")} - {REPORTS})
FOLDERS = [f for f in FOLDERS if "smoke" not in f.relative_to(REPORTS).parts]  # git ignores smoke runs
NOT_REGENERABLE: dict = {}  # a table.md whose folder lacks the data to write it again: none (keep it so)
# folders whose prose is still by hand, beside a generated report or instead of one (the index says "by hand");
# a study's reading belongs in its report function (`frontier_reading`, `fit_reading`): this list may only shrink
HAND_PROSE: set = set()


@pytest.mark.parametrize("folder", FOLDERS, ids=lambda f: str(f.relative_to(REPORTS)))
def test_committed_report_regenerates_from_its_folder(folder):
    from wartok.index import regenerate
    gen = regenerate(folder)
    key = str(folder.relative_to(REPORTS))
    if gen is None:  # prose by hand (the index says so), or a table.md listed above
        assert not (folder / "table.md").exists() or key in NOT_REGENERABLE, f"{key}/table.md: no data to rewrite it"
        return
    name, text = gen
    assert text == (folder / name).read_text(), f"{key}/{name} is not what its folder's data give"


def test_every_report_is_regenerated():
    "The check above covers every report folder: each one's markdown is written by a function (none by hand)."
    from wartok.index import regenerate
    assert len(FOLDERS) >= 16 and all(regenerate(f) is not None for f in FOLDERS)


def test_hand_prose_only_in_the_listed_folders():
    "No markdown a report function did not write, except in `HAND_PROSE`'s folders."
    from wartok.index import regenerate
    hand = set()
    for folder in FOLDERS:
        gen = regenerate(folder)
        if {p.name for p in folder.glob("*.md")} - {gen[0] if gen else None}:
            hand.add(str(folder.relative_to(REPORTS)))
    new = sorted(hand - HAND_PROSE)
    assert not new, f"markdown by hand in {new}: write it by the study's report function"
