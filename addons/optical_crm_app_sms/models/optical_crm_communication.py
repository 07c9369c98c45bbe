from odoo import models


class OpticalCrmCommunication(models.Model):
    _inherit = "optical.crm.communication"

    def _optical_app_link_urls(self):
        """An app message whose step has a landing page links to the
        customer's personal page, the same one an SMS with link opens."""
        urls = super()._optical_app_link_urls()
        with_page = self.filtered(
            lambda c: c.landing_page_id or (c.cycle_step_id or c.campaign_step_id).landing_page_id)
        with_page._assign_landing_tokens()
        urls.update({communication.id: communication.landing_url for communication in with_page})
        return urls
