"""Is an inbound SMS or WhatsApp message an opt-out? A pure function, no Odoo.

Customers do not write ``STOP`` alone: ``STOP SMS``, ``Stop please``,
``ANNULLA``, ``basta!``, a full-width ``ＳＴＯＰ`` from an Asian keyboard,
``STOPALL``, ``Stop 123`` (the code of the sender some carriers ask for),
``S T O P``. The rule:

1. the text is normalised (NFKC, case-folded, dashes removed) and cut into
   words; a run of three or more one-character words is joined into one
   word (``S T O P``, ``S.T.O.P.``);
2. the first word is an opt-out word (``stop``, ``annulla``, ``basta``…), or
   an opt-out word glued to what it stops (``stopall``, ``stoptutto``,
   ``stopsms``) or to a number (``stop123``);
3. every other word only says please, thanks or what to stop, or is a number.

So ``Stop by tomorrow?``, ``Stopped by the shop yesterday, thanks``,
``Stoppino`` or ``non basta il tempo`` are not opt-outs: a word that merely
begins with ``stop`` is not ``stop``.
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
# What may be glued to the opt-out word in one word (``STOPALL``, ``STOPTUTTO``).
GLUED_WORDS = frozenset({"all", "sms", "tutto", "tutti", "messaggi", "msg"})
WORD_RE = re.compile(r"\w+")
# Single characters spelled out one by one: S T O P.
SPELLED_MIN_LETTERS = 3


def _words(text):
    normalized = unicodedata.normalize("NFKC", text).casefold().replace("-", "")
    words, spelled = [], []
    for word in WORD_RE.findall(normalized) + [""]:
        if len(word) == 1:
            spelled.append(word)
            continue
        words.extend(["".join(spelled)] if len(spelled) >= SPELLED_MIN_LETTERS else spelled)
        spelled = []
        if word:
            words.append(word)
    return words


def _is_opt_out_word(word):
    if word in OPT_OUT_WORDS:
        return True
    for keyword in OPT_OUT_WORDS:
        rest = word.removeprefix(keyword)
        if rest != word and (rest in GLUED_WORDS or rest.isdecimal()):
            return True
    return False


def is_opt_out(text):
    """True when the SMS ``text`` asks to receive no more SMS."""
    if not isinstance(text, str):
        return False
    words = _words(text)
    return bool(words) and _is_opt_out_word(words[0]) and all(
        word in COURTESY_WORDS or word.isdecimal() for word in words[1:])
