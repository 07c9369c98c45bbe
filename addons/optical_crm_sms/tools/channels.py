"""The SMS channels, declared once (see ``optical_crm/tools/channels.py``)."""
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from odoo.addons.optical_crm.tools.channels import MARKETING_CONSENT, Channel

_lt = LazyTranslate(__name__)

SMS_CONSENT = (MARKETING_CONSENT, ("optical_consent_sms", _lt("No SMS consent")))
# A mobile, not on the phone blacklist (STOP), from the customer's stored SMS
# status (``res.partner.optical_sms_status``); an invalid number or a landline
# is the SMS number rule's (``_sms_number_conditions``).
SMS_REACH = (
    (SQL("COALESCE(p.optical_sms_status, 'missing') = 'missing'"), _lt("No mobile number")),
    (SQL("p.optical_sms_status = 'blacklist'"), _lt("Number on the phone blacklist (STOP)")),
)
SMS_SKIP_CODES = (("blacklist", "Blacklisted / STOP"), ("invalid_number", "Invalid number"))
# Segments sent times the shop's price per segment, stored when sent.
SMS_COST_SQL = SQL("COALESCE(c.sms_cost, 0)")

SMS = Channel(
    key="sms", label="SMS", send="_send_sms", consent=SMS_CONSENT, reach=SMS_REACH, skip_codes=SMS_SKIP_CODES,
    quiet_hours=True, cost="message", cost_sql=SMS_COST_SQL,
)
SMS_LINK = Channel(
    key="sms_link", label="SMS with link", send="_send_sms", consent=SMS_CONSENT, reach=SMS_REACH,
    skip_codes=SMS_SKIP_CODES, quiet_hours=True, cost="message", cost_sql=SMS_COST_SQL,
)
SMS_DECLARATIONS = (SMS, SMS_LINK)
