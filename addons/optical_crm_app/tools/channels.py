"""The app channel, declared once (see ``optical_crm/tools/channels.py``)."""
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from odoo.addons.optical_crm.tools.channels import MARKETING_CONSENT, Channel

_lt = LazyTranslate(__name__)

APP = Channel(
    key="app",
    label="App (Il Mio Ottico)",
    send="_send_app",
    consent=(MARKETING_CONSENT, ("optical_consent_app", _lt("No app consent"))),
    reach=((SQL("NOT EXISTS (SELECT 1 FROM optical_app_device d WHERE d.partner_id = p.id AND d.active)"),
            _lt("The customer has no paired app")),),
    quiet_hours=True,
)
