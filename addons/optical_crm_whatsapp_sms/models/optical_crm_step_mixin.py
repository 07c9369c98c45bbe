from odoo import api, models
from odoo.exceptions import ValidationError


class OpticalCrmStepMixin(models.AbstractModel):
    _inherit = "optical.crm.step.mixin"

    @api.constrains("channel", "whatsapp_template_id", "landing_page_id")
    def _check_whatsapp_landing_page(self):
        """A WhatsApp step whose template sends the landing page link (a
        variable or a link button) needs the page, as an SMS with link does."""
        for step in self.filtered(lambda s: s.channel == "whatsapp" and not s.landing_page_id):
            # sudo: reading the template's buttons, whatever the user may read.
            template = step.sudo().whatsapp_template_id
            if "landing_url" in template._variable_keys() or any(
                    button.dynamic and button.url_variable == "landing_url" for button in template.button_ids):
                raise ValidationError(self.env._(
                    "Landing page: the WhatsApp step %(step)s sends template %(template)s, whose link opens the "
                    "landing page; choose the page.", step=step.name, template=template.name))
