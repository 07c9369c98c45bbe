"""Which inbound SMS are opt-outs."""
import pytest

from conftest import load_tool

opt_out = load_tool("optical_crm_sms", "opt_out")


@pytest.mark.parametrize("text", [
    "STOP", "  sToP \n", "stop.", "STOP SMS", "Stop please", "stop, grazie", "ANNULLA", "Cancella", "BASTA!",
    "basta così grazie", "ＳＴＯＰ", "Ｓｔｏｐ ＳＭＳ", "UNSUBSCRIBE", "Disiscrivimi", "opt-out", "STOP tutti i messaggi",
])
def test_opt_outs(text):
    assert opt_out.is_opt_out(text)


@pytest.mark.parametrize("text", [
    "Stop by tomorrow?", "Grazie, a domani", "Posso annullare l'appuntamento?", "", None, 42, "non basta il tempo",
    "Fine settimana passo", "stopper",
])
def test_not_opt_outs(text):
    assert not opt_out.is_opt_out(text)
