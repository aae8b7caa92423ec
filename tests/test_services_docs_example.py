"""The plugin example of docs/services.md works as the document says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from assistant.cli import cli
from assistant.services import load_manifest_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples"


def test_manifest_is_valid() -> None:
    manifest = load_manifest_file(EXAMPLES / "teahouse" / "teahouse.json")
    assert manifest.id == "teahouse" and not manifest.remote
    assert manifest.action("order_tea").side_effects  # type: ignore[union-attr]


def test_tea_house_prices_and_orders_once(ting_assistant_factory: Any) -> None:
    assistant = ting_assistant_factory(EXAMPLES)
    session = assistant.new_session()
    price = assistant.handle("how much is oolong", session)
    assert (price.service, price.action) == ("teahouse", "price_tea")
    assert price.reply == "At Tea House, 1 tin(s) of oolong cost 28 yuan."
    question = assistant.handle("order two tins of jasmine", session)
    assert question.expecting == "confirmation" and "44 yuan" in question.reply
    pending = session.pending_confirmation.request
    placed = assistant.handle("yes", session)
    assert (placed.service, placed.action) == ("teahouse", "order_tea")
    assert placed.reply == "Ordered; your order number is TH0001."
    resent = assistant.call_skill(
        assistant.skills["teahouse"], pending.model_copy(update={"confirmed": True}), session
    )
    assert resent.data["order_no"] == "TH0001"
    assert len(assistant.services.store.orders("teahouse")) == 1
    assert assistant.services.search("loose leaf tea")[0].manifest.id == "teahouse"


def test_cli_finds_the_example_through_plugins_dir() -> None:
    result = CliRunner().invoke(
        cli, ["services", "--plugins-dir", str(EXAMPLES), "search", "oolong", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert '"id": "teahouse"' in result.output


def test_document_points_at_the_example() -> None:
    text = (ROOT / "docs" / "services.md").read_text(encoding="utf-8")
    for path in re.findall(r"`(docs/examples/[\w/.]+)`", text):
        assert (ROOT / path).exists(), path
    assert "docs/examples/teahouse/__init__.py" in text
