from odoo import api, fields, models
from odoo.exceptions import ValidationError


class OpticalCrmStepMixin(models.AbstractModel):
    _inherit = "optical.crm.step.mixin"

    whatsapp_template_id = fields.Many2one(
        "optical.crm.whatsapp.template", "WhatsApp template", ondelete="restrict",
        domain="[('status', '=', 'approved')]",
        help="The template Meta approved that a WhatsApp step sends; the text above is not sent.")

    @api.constrains("channel", "whatsapp_template_id")
    def _check_whatsapp_step(self):
        """A WhatsApp step that could only fail on the day is refused at
        save: without a template, with a template Meta has not approved, or
        with another shop's account's template."""
        _ = self.env._
        for step in self.filtered(lambda s: s.channel == "whatsapp"):
            # sudo: reading the template's verdict and shop, whatever the user may read.
            template = step.sudo().whatsapp_template_id
            if not template:
                raise ValidationError(_("WhatsApp template: the WhatsApp step %(step)s needs a template Meta "
                                        "approved.", step=step.name))
            if template.status != "approved":
                statuses = dict(template._fields["status"]._description_selection(self.env))
                raise ValidationError(_(
                    "WhatsApp template: %(template)s of step %(step)s is %(status)s at Meta; pick an approved "
                    "template.", template=template.name, step=step.name, status=statuses[template.status]))
            if step.company_id and template.company_id != step.company_id:
                raise ValidationError(_(
                    "WhatsApp template: %(template)s of step %(step)s belongs to the WhatsApp account of "
                    "%(shop)s, not to the step's shop %(step_shop)s.", template=template.name, step=step.name,
                    shop=template.company_id.name, step_shop=step.company_id.name))
