"""Which inbound SMS are opt-outs."""
import pytest

from conftest import load_tool

opt_out = load_tool("optical_crm", "opt_out")


@pytest.mark.parametrize("text", [
    "STOP", "  sToP \n", "stop.", "STOP SMS", "Stop please", "stop, grazie", "ANNULLA", "Cancella", "BASTA!",
    "basta così grazie", "ＳＴＯＰ", "Ｓｔｏｐ ＳＭＳ", "UNSUBSCRIBE", "Disiscrivimi", "opt-out", "STOP tutti i messaggi",
])
def test_opt_outs(text):
    assert opt_out.is_opt_out(text)


@pytest.mark.parametrize("text", [
    # An opt-out word glued to what it stops, or to a number.
    "STOPALL", "StopAll!", "stoptutto", "STOPSMS", "stop123", "BASTASMS",
    # Followed by a number: the sender's code some carriers ask for.
    "Stop 123", "STOP 4321 grazie", "annulla 55",
    # Spelled out letter by letter.
    "S T O P", "s t o p", "S.T.O.P.", "S T O P SMS", "S T O P 1 2 3", "B A S T A", "E N D",
    # Hidden characters do not hide it.
    "stop\u200b", "ＳＴＯＰＡＬＬ",
])
def test_other_spellings_are_opt_outs(text):
    assert opt_out.is_opt_out(text)


@pytest.mark.parametrize("text", [
    "Stop by tomorrow?", "Grazie, a domani", "Posso annullare l'appuntamento?", "", None, 42, "non basta il tempo",
    "Fine settimana passo", "stopper",
    # Words that only begin like an opt-out word.
    "Stopped by the shop yesterday, thanks", "Stoppino", "stopping", "Bastardo!", "endless", "ending",
    "Cancellata la visita?", "Stopover a Roma", "stop2end",
    # An opt-out word that is not the first word, or followed by something else.
    "Non stop!", "Stop 2 minuti prima", "S T O P by tomorrow", "Ho detto S T O P al mio ex",
    # Single letters that spell no opt-out word.
    "O K", "A B C", "S T O",
])
def test_not_opt_outs(text):
    assert not opt_out.is_opt_out(text)
