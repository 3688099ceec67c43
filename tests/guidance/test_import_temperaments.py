"""``assist models import-temperaments``: learning temperament from the floor. A center whose CRM sends some
customers' temperament has their words labelled for free; imported, they teach the service's reader how that
center's customers talk, measured on other customers of the same floor.

The floor here is a bank's chat written in text-speak ("wtf is this charge", "pls tell me my money isnt gone"),
a style the built-in lines do not have: ``floor_temperaments.csv`` are the words of the customers whose CRM sent
a temperament (imported), ``floor_temperaments_other_customers.csv`` those of other customers (never trained on),
both written by hand for this test."""

from __future__ import annotations

import csv
import io
from contextlib import redirect_stderr, redirect_stdout
from functools import cache
from pathlib import Path

import pytest

from assist.cli import main
from assist.guidance.temperaments import imported_temperaments, temperament_detector_for
from assist.settings import Settings
from models.language.temperament import BUILT_IN, TemperamentClassifier, read_temperaments

HERE = Path(__file__).resolve().parent
FLOOR = HERE / "floor_temperaments.csv"
OTHER_CUSTOMERS = HERE / "floor_temperaments_other_customers.csv"


def run(data_dir: Path, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as env, redirect_stdout(out), redirect_stderr(err):
        env.setenv("ASSIST_DATA_DIR", str(data_dir))
        code = main(["models", "import-temperaments", *args])
    return code, out.getvalue(), err.getvalue()


@cache
def accuracy_on_other_customers(*sources: Path) -> float:
    data = read_temperaments(sources[0])
    for source in sources[1:]:
        data = data + read_temperaments(source)
    accuracy, _ = TemperamentClassifier.train(data).accuracy(read_temperaments(OTHER_CUSTOMERS))
    return accuracy


def test_the_floor_and_its_other_customers_share_no_line():
    floor = {t.lower() for t in read_temperaments(FLOOR).texts}
    assert not floor & {t.lower() for t in read_temperaments(OTHER_CUSTOMERS).texts}


def test_a_reader_trained_on_the_floors_labelled_words_beats_the_built_in_one_on_its_other_customers():
    built_in, floor = accuracy_on_other_customers(BUILT_IN), accuracy_on_other_customers(BUILT_IN, FLOOR)
    assert floor >= built_in + 0.05  # measured 0.788 -> 0.909 on 33 lines


def test_imported_lines_are_read_by_the_services_detector(tmp_path):
    settings = Settings(data_dir=tmp_path / "data")
    code, out, _ = run(tmp_path / "data", str(FLOOR))
    assert code == 0 and "imported 50 lines" in out and "accuracy on your lines" in out
    assert imported_temperaments(settings).read_text() == FLOOR.read_text()
    served, _ = temperament_detector_for(settings).classifier().accuracy(read_temperaments(OTHER_CUSTOMERS))
    assert served == accuracy_on_other_customers(BUILT_IN, FLOOR)


def test_a_label_that_is_no_temperament_is_refused_and_installs_nothing(tmp_path):
    source = tmp_path / "bad.csv"
    with open(source, "w", newline="") as handle:
        csv.writer(handle).writerows([("text", "temperament"),
                                      *[(f"line {i}", "grumpy") for i in range(5)]])
    code, out, err = run(tmp_path / "data", str(source))
    assert code == 2 and out == "" and "not temperaments: grumpy" in err
    assert not imported_temperaments(Settings(data_dir=tmp_path / "data")).exists()
