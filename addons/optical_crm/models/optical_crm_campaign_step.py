from odoo import api, fields, models
from odoo.exceptions import ValidationError


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

    @api.constrains("day_offset", "campaign_id")
    def _check_day_offset(self):
        for step in self:
            campaign = step.campaign_id
            if step.day_offset < 0 or step.day_offset > (campaign.date_end - campaign.date_start).days:
                raise ValidationError(self.env._(
                    "Day: step %(step)s falls outside campaign %(campaign)s.",
                    step=step.name, campaign=campaign.name,
                ))
