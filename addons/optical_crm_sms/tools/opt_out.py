"""Is an inbound SMS an opt-out? A pure function, no Odoo.

Customers do not write ``STOP`` alone: ``STOP SMS``, ``Stop please``,
``ANNULLA``, ``basta!``, a full-width ``ＳＴＯＰ`` from an Asian keyboard. The
text is normalised (NFKC, case-folded), and it is an opt-out when its first
word is one of the opt-out words Italian SMS gateways and carriers honour and
every other word only says please, thanks or what to stop (``Stop by
tomorrow?`` is not an opt-out).
"""
import re
import unicodedata

OPT_OUT_WORDS = frozenset({
    "stop", "stopp", "stopsms", "unsubscribe", "annulla", "cancella", "cancellami", "basta", "disiscrivi",
    "disiscrivimi", "revoca", "end", "quit", "cancel", "optout",
})
# Words that may follow the opt-out word without changing its meaning.
COURTESY_WORDS = frozenset({
    "sms", "messaggi", "messaggio", "messages", "message", "texts", "please", "pls", "plz", "grazie", "thanks",
    "thank", "you", "per", "favore", "all", "tutto", "tutti", "subito", "now", "così", "cosi", "iscrizione",
    "me", "mi", "it", "ok", "i", "the", "di", "miei",
})
WORD_RE = re.compile(r"\w+")


def is_opt_out(text):
    """True when the SMS ``text`` asks to receive no more SMS."""
    if not isinstance(text, str):
        return False
    normalized = unicodedata.normalize("NFKC", text).casefold()
    words = WORD_RE.findall(normalized.replace("-", ""))
    return bool(words) and words[0] in OPT_OUT_WORDS and all(word in COURTESY_WORDS for word in words[1:])
