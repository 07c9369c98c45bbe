from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class OpticalCrmCampaignStep(models.Model):
    _name = "optical.crm.campaign.step"
    _inherit = ["optical.crm.step.mixin"]
    _description = "Campaign step"
    _order = "campaign_id, day_offset, sequence, id"

    campaign_id = fields.Many2one("optical.crm.campaign", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
    day_offset = fields.Integer("Day", default=0, help="Days after the campaign start (0 = the first day).")

    def _optical_step_field(self):
        return "campaign_step_id"

    def _check_supplier_steps(self, campaigns):
        """The steps of a shop's supplier campaign are the supplier's."""
        if self.env.context.get("optical_offer_sync"):
            return
        joined = campaigns.filtered("offer_id")
        if joined:
            raise UserError(self.env._(
                "Steps: the steps of the supplier campaign %(name)s are set by the supplier.", name=joined[0].name))

    @api.model_create_multi
    def create(self, vals_list):
        self._check_supplier_steps(self.env["optical.crm.campaign"].browse(
            [vals["campaign_id"] for vals in vals_list if vals.get("campaign_id")]))
        return super().create(vals_list)

    def write(self, vals):
        self._check_supplier_steps(self.campaign_id)
        return super().write(vals)

    def unlink(self):
        self._check_supplier_steps(self.campaign_id.exists())
        return super().unlink()

    @api.constrains("day_offset", "campaign_id")
    def _check_day_offset(self):
        for step in self:
            campaign = step.campaign_id
            if step.day_offset < 0 or step.day_offset > (campaign.date_end - campaign.date_start).days:
                raise ValidationError(self.env._(
                    "Day: step %(step)s falls outside campaign %(campaign)s.",
                    step=step.name, campaign=campaign.name,
                ))
