"""The ``whatsapp`` channel plugged into core, in one place: the channel on
steps and communications, the consent it needs, its reach, its skip rule,
its sender and its cost in the analysis."""
from odoo import api, fields, models
from odoo.tools import SQL

# Added after core's channels; uninstalling the module removes its steps and
# communications with the rest of its data.
WHATSAPP_CHANNEL_SELECTION = [("whatsapp", "WhatsApp"), ("email",)]
WHATSAPP_CHANNEL_ONDELETE = {"whatsapp": "cascade"}
TEMPLATE_SKIP_CODE = "whatsapp_template"


class OpticalCrmStepMixinWhatsapp(models.AbstractModel):
    _inherit = "optical.crm.step.mixin"

    channel = fields.Selection(selection_add=WHATSAPP_CHANNEL_SELECTION, ondelete=WHATSAPP_CHANNEL_ONDELETE)


class OpticalCrmCommunicationWhatsappChannel(models.Model):
    _inherit = "optical.crm.communication"

    channel = fields.Selection(selection_add=WHATSAPP_CHANNEL_SELECTION, ondelete=WHATSAPP_CHANNEL_ONDELETE)
    skip_code = fields.Selection(selection_add=[(TEMPLATE_SKIP_CODE, "WhatsApp template not approved")],
                                 ondelete={TEMPLATE_SKIP_CODE: "set null"})

    @api.model
    def _channel_consent_fields(self):
        return dict(super()._channel_consent_fields(),
                    whatsapp=("optical_consent_marketing", "optical_consent_whatsapp"))

    @api.model
    def _consent_reasons(self):
        return dict(super()._consent_reasons(), optical_consent_whatsapp=self.env._("No WhatsApp consent"))

    @api.model
    def _channel_registry(self):
        registry = super()._channel_registry()
        # A message on the customer's phone: inside the shop's sending window, as SMS.
        registry["whatsapp"] = {"send": "_send_whatsapp", "quiet_hours": True}
        return registry

    @api.model
    def _reach_contact_conditions(self):
        conditions = super()._reach_contact_conditions()
        conditions["whatsapp"] = [(SQL("COALESCE(p.mobile, '') = ''"), self.env._("No mobile number"))]
        return conditions

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
    """The results count what WhatsApp cost: the shop's price of the
    template's category, stored on the communication when it is sent."""

    _inherit = "optical.crm.analysis"
    _depends = {"optical.crm.communication": ["whatsapp_cost"]}

    @api.model
    def _channel_cost_sql(self):
        return SQL("%s + COALESCE(c.whatsapp_cost, 0)", super()._channel_cost_sql())
