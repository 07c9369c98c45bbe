from odoo import models


class OpticalCrmCommunication(models.Model):
    _inherit = "optical.crm.communication"

    def _send_whatsapp(self):
        """A WhatsApp message whose step has a landing page carries the
        customer's personal link (``landing_url``: a template variable or a
        link button's ``{{1}}``), the page an SMS with link opens."""
        self.filtered(
            lambda c: c.landing_page_id or (c.cycle_step_id or c.campaign_step_id).landing_page_id,
        )._assign_landing_tokens()
        return super()._send_whatsapp()
