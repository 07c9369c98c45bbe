"""Channels: each one declared once, as a ``Channel``.

A channel module declares its channels at module level and registers them by
extending ``optical.crm.communication._optical_channels`` once::

    from odoo.addons.optical_crm.tools.channels import Channel, MARKETING_CONSENT, selection

    _lt = LazyTranslate(__name__)
    WHATSAPP = Channel(
        key="whatsapp",
        label="WhatsApp",
        send="_send_whatsapp",
        consent=(MARKETING_CONSENT, ("optical_consent_whatsapp", _lt("No WhatsApp consent"))),
        reach=((SQL("COALESCE(p.mobile, '') = ''"), _lt("No mobile number")),),
        quiet_hours=True,
        cost="message",
        cost_sql=SQL("COALESCE(c.whatsapp_cost, 0)"),
    )

    class OpticalCrmCommunication(models.Model):
        _inherit = "optical.crm.communication"
        channel = fields.Selection(selection_add=selection(WHATSAPP), ondelete=ondelete(WHATSAPP))

        @api.model
        def _optical_channels(self):
            return super()._optical_channels() + [WHATSAPP]

(and the same ``selection_add`` line on ``optical.crm.step.mixin``: Odoo
needs the selection on each field; ``selection`` and ``ondelete`` feed it
from the declaration). Everything else reads the declaration: the planner
and the rules (consent, reach, skip codes), the sender (``send``,
``quiet_hours``), the reach tables, the analysis (``cost_sql``), the export
and the fallback chain (``cost``).

Fields of a ``Channel``:

``key``, ``label``
    The selection key (part of the contract) and its English label
    (translated through the selection field).
``send``
    Name of the ``optical.crm.communication`` method receiving the due
    communications of the channel; it hands them over in the same
    transaction and leaves each one ``sent``, ``skipped`` or ``failed``.
``consent``
    ``(consent field of res.partner, reason when missing)`` pairs, the most
    general first: marketing contact needs every one of them (service
    contact none). The most specific missing consent is the reason given.
``reach``
    ``(SQL condition on the customer p, reason)`` pairs: when a condition
    holds, the customer cannot be reached on the channel at all (no number,
    no address, no paired app). The first that holds is the reason.
``skip_codes``
    ``(code, label)`` skip codes the channel's own rules give, added to
    ``optical.crm.communication.skip_code``.
``quiet_hours``
    Sent only inside the shop's sending window.
``cost``
    What one message costs, to order a fallback chain cheapest first:
    ``free`` (app, e-mail), ``message`` (paid per message or segment: SMS),
    ``staff`` (a call costs staff time).
``cost_sql``
    SQL of what the communication ``c`` cost on this channel beyond calls
    (stored on it when it went out), summed by the analysis; None: nothing.

Reasons are lazy translations (``LazyTranslate``): read them with
``env._(reason)``.
"""
from dataclasses import dataclass

from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

_lt = LazyTranslate(__name__)

# Cheapest first: the order a shop's "cheapest first" gives a chain.
COST_ORDER = {"free": 0, "message": 1, "staff": 2}

MARKETING_CONSENT = ("optical_consent_marketing", _lt("No marketing consent"))


@dataclass(frozen=True)
class Channel:
    """One channel, declared once (see the module's docstring)."""

    key: str
    label: str
    send: str
    consent: tuple = (MARKETING_CONSENT,)
    reach: tuple = ()
    skip_codes: tuple = ()
    quiet_hours: bool = False
    cost: str = "free"
    cost_sql: SQL | None = None


def selection(*channels):
    """``selection_add`` for a channel field, from declarations."""
    return [(channel.key, channel.label) for channel in channels]


def ondelete(*channels):
    """``ondelete`` for a channel field: uninstalling the module removes its
    steps and communications with the rest of its data."""
    return {channel.key: "cascade" for channel in channels}


def skip_code_selection(*channels):
    """``selection_add`` for ``skip_code``, from declarations (each code once)."""
    return list(dict(code for channel in channels for code in channel.skip_codes).items())


def skip_code_ondelete(*channels):
    return {code: "set null" for code, _label in skip_code_selection(*channels)}


def cheapest_first(keys, channels):
    """``keys`` ordered by the cost of their channel (``channels``: key →
    Channel), keeping the given order between channels of the same cost."""
    return sorted(keys, key=lambda key: COST_ORDER.get(getattr(channels.get(key), "cost", None), len(COST_ORDER)))


PHONE = Channel(
    key="phone",
    label="Phone callback",
    send="_send_phone",
    reach=((SQL("COALESCE(p.phone, '') = '' AND COALESCE(p.mobile, '') = ''"), _lt("No phone number")),),
    cost="staff",
)
EMAIL = Channel(
    key="email",
    label="E-mail",
    send="_send_email",
    reach=((SQL("COALESCE(p.email_normalized, '') = ''"), _lt("No e-mail address")),),
)
EXPORT = Channel(key="export", label="Export", send="_send_export")
CORE_CHANNELS = (PHONE, EMAIL, EXPORT)
