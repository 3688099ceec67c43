"""Disposition codes are configuration with plain-word labels; anything else is refused."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from assist.errors import InvalidInput
from assist.settings import Settings
from assist.wrapup.dispositions import check_disposition, choices


def test_a_configured_code_comes_with_its_label() -> None:
    chosen = check_disposition({"refund_processed": "Refund or credit given"}, "refund_processed")
    assert (chosen.code, chosen.label) == ("refund_processed", "Refund or credit given")


def test_a_code_not_in_the_list_is_refused_with_its_own_error_code() -> None:
    with pytest.raises(InvalidInput) as refused:
        check_disposition({"refund_processed": "Refund or credit given"}, "refunded")
    assert (refused.value.code, refused.value.status_code) == ("unknown_disposition", 422)


def test_the_list_is_offered_in_the_configured_order() -> None:
    assert [c.code for c in choices({"b_code": "B", "a_code": "A"})] == ["b_code", "a_code"]


def test_the_list_is_read_from_the_environment_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSIST_DISPOSITIONS", '{"sale_made": "Sale made", "no_sale": "No sale"}')
    assert Settings().dispositions == {"sale_made": "Sale made", "no_sale": "No sale"}


@pytest.mark.parametrize("bad", [{"Sale Made": "Sale made"}, {"sale_made": "  "}, {}])
def test_a_code_that_is_not_an_id_or_has_no_label_stops_the_service_from_starting(bad: dict[str, str]) -> None:
    with pytest.raises(ValidationError):
        Settings(dispositions=bad)
