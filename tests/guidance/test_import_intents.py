"""``assist models import-intents``: a center's own labelled utterances are checked, measured, installed, and
then used by the service's detector; a bad file is refused with its line and installs nothing."""

from __future__ import annotations

import csv
import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from assist.cli import main
from assist.guidance.intents import imported_utterances, intent_detector
from assist.settings import Settings

ROAMING = [
    "my phone doesn't work now I'm in Spain", "can I use my data while I'm abroad",
    "how much are calls from France", "I've landed in Italy and have no signal", "is roaming included in my plan",
    "I got a text about roaming charges in Portugal", "do I need a travel pass for the USA",
    "my mobile won't connect to any network overseas", "what does it cost to text home from Greece",
    "I'm going on holiday to Turkey, will my SIM work there", "data abroad isn't working on my trip",
    "how do I turn on roaming for my trip to Germany",
]
"""A center's own intent the built-in lines do not have."""


def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as env, redirect_stdout(out), redirect_stderr(err):
        env.setenv("ASSIST_DATA_DIR", str(data_dir))
        code = main(["models", "import-intents", *args])
    return code, out.getvalue(), err.getvalue()


def write(path: Path, rows: list[tuple[str, str]]) -> Path:
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([("text", "intent"), *rows])
    return path


def test_imported_utterances_teach_the_service_a_new_intent(tmp_path):
    source = write(tmp_path / "ours.csv", [(t, "roaming") for t in ROAMING])
    settings = Settings(data_dir=tmp_path / "data")
    before = intent_detector(settings).detect(["will my phone work when I travel to Japan next week"])
    code, out, _ = run(tmp_path / "data", str(source))
    after = intent_detector(settings).detect(["will my phone work when I travel to Japan next week"])
    assert code == 0 and "imported 12 utterances" in out and "accuracy on your lines" in out
    assert imported_utterances(settings).read_text() == source.read_text()
    assert before.reason != "roaming" and after.reason == "roaming"


def test_a_bad_file_is_refused_with_its_line_and_installs_nothing(tmp_path):
    source = write(tmp_path / "bad.csv", [(t, "roaming") for t in ROAMING] + [("money back", "Refunds!")])
    code, out, err = run(tmp_path / "data", str(source))
    assert code == 2 and out == ""
    assert f"{source}:14: intent 'Refunds!' is not a lowercase id" in err
    assert not imported_utterances(Settings(data_dir=tmp_path / "data")).exists()


def test_a_missing_file_is_refused(tmp_path):
    code, _, err = run(tmp_path / "data", str(tmp_path / "nowhere.csv"))
    assert code == 2 and "not imported" in err
