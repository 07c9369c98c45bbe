"""The ``whatsapp`` channel plugged into core, in one place: its
declaration (consent, reach, skip code, sender, quiet hours, cost; see
``optical_crm/tools/channels.py``), its skip rules and its cost in the
analysis."""
from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.translate import LazyTranslate

from odoo.addons.optical_crm.tools.channels import (
    MARKETING_CONSENT,
    Channel,
    ondelete,
    selection,
    skip_code_ondelete,
    skip_code_selection,
)

_lt = LazyTranslate(__name__)

TEMPLATE_SKIP_CODE = "whatsapp_template"
WHATSAPP = Channel(
    key="whatsapp",
    label="WhatsApp",
    send="_send_whatsapp",
    consent=(MARKETING_CONSENT, ("optical_consent_whatsapp", _lt("No WhatsApp consent"))),
    reach=((SQL("COALESCE(p.mobile, '') = ''"), _lt("No mobile number")),),
    skip_codes=((TEMPLATE_SKIP_CODE, "WhatsApp template not approved"),),
    # A message on the customer's phone: inside the shop's sending window, as SMS.
    quiet_hours=True,
    cost="message",
    # The shop's price of the template's category, stored when sent.
    cost_sql=SQL("COALESCE(c.whatsapp_cost, 0)"),
)


class OpticalCrmStepMixinWhatsapp(models.AbstractModel):
    _inherit = "optical.crm.step.mixin"

    channel = fields.Selection(selection_add=selection(WHATSAPP), ondelete=ondelete(WHATSAPP))


class OpticalCrmCommunicationWhatsappChannel(models.Model):
    _inherit = "optical.crm.communication"

    channel = fields.Selection(selection_add=selection(WHATSAPP), ondelete=ondelete(WHATSAPP))
    skip_code = fields.Selection(selection_add=skip_code_selection(WHATSAPP), ondelete=skip_code_ondelete(WHATSAPP))

    @api.model
    def _optical_channels(self):
        return super()._optical_channels() + [WHATSAPP]

    @api.model
    def _skip_conditions(self):
        """WhatsApp: Meta asks the customer's opt-in for every message a
        business starts (service ones too), and a template of the step
        approved on the shop's account (Meta may pause or reject it after the
        step was saved; approved again, the message is planned again). The
        number is checked by the sender (``_send_whatsapp``): a ``contact``
        skip here would make core undo the SMS module's number skips."""
        _ = self.env._
        return super()._skip_conditions() + [
            (SQL("c.channel = 'whatsapp' AND p.optical_consent_whatsapp IS NOT TRUE"), "consent",
             _("No WhatsApp consent")),
            (SQL("""c.channel = 'whatsapp' AND NOT EXISTS (
                      SELECT 1 FROM optical_crm_whatsapp_template st
                        JOIN optical_crm_whatsapp_template t ON t.name = st.name AND t.language = st.language
                        JOIN optical_crm_whatsapp_account a ON a.id = t.account_id AND a.active
                       WHERE st.id = COALESCE(
                                 (SELECT cs.whatsapp_template_id FROM optical_crm_cycle_step cs
                                   WHERE cs.id = c.cycle_step_id),
                                 (SELECT ks.whatsapp_template_id FROM optical_crm_campaign_step ks
                                   WHERE ks.id = c.campaign_step_id))
                         AND a.company_id = c.company_id AND t.status = 'approved')"""),
             TEMPLATE_SKIP_CODE,
             _("WhatsApp template not approved on the shop's account (paused, rejected or disabled by Meta)")),
        ]


class OpticalCrmAnalysisWhatsapp(models.Model):
    """The results count what WhatsApp cost (the channel's ``cost_sql``)."""

    _inherit = "optical.crm.analysis"
    _depends = {"optical.crm.communication": ["whatsapp_cost"]}
