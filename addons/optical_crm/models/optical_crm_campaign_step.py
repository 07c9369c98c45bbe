from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

# What decides when and how a step's contacts go: its pending contacts follow a change.
STEP_TIMING_FIELDS = ("day_offset", "channel", "purpose", "fallback_ids")


class OpticalCrmCampaignStep(models.Model):
    _name = "optical.crm.campaign.step"
    _inherit = ["optical.crm.step.mixin", "optical.crm.shop.mixin"]
    _description = "Campaign step"
    _order = "campaign_id, day_offset, sequence, id"

    campaign_id = fields.Many2one("optical.crm.campaign", required=True, ondelete="cascade", index=True)
    company_id = fields.Many2one(related="campaign_id.company_id", store=True)
    day_offset = fields.Integer("Day", default=0, help="Days after the campaign start (0 = the first day).")
    offer_step_id = fields.Many2one(
        "optical.crm.campaign.step", "Supplier's step", readonly=True, copy=False, index="btree_not_null",
        ondelete="set null", help="The step of the supplier's offer this step of a joined shop follows.")
    stop_event_type_ids = fields.Many2many(
        relation="optical_crm_campaign_step_stop_event_type_rel",
        help="Events that make this step pointless (a purchase, for a reminder): a customer who had one on or "
        "after the campaign's start and before the step's day is skipped (goal reached), and planned again if "
        "the event is removed before the day.")
    fallback_ids = fields.One2many(inverse_name="campaign_step_id")

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
        steps = super().create(vals_list)
        # A step the supplier adds to its offer is added to every joined shop's campaign.
        steps.campaign_id.filtered("is_offer")._offer_joined_campaigns()._offer_sync_steps()
        return steps

    def write(self, vals):
        self._check_supplier_steps(self.campaign_id)
        res = super().write(vals)
        if set(vals) & set(STEP_TIMING_FIELDS):
            self._move_pending()
        elif "stop_event_type_ids" in vals and self:
            # The step's pending contacts are looked at again with its new stop conditions.
            self.env["optical.crm.communication"]._apply_rules(SQL("c.campaign_step_id IN %s", tuple(self.ids)))
        self.campaign_id.filtered("is_offer")._offer_joined_campaigns()._offer_sync_steps()
        return res

    def unlink(self):
        self._check_supplier_steps(self.campaign_id.exists())
        # A step the supplier removes from its offer goes from the shops' campaigns too (not from those
        # over: their steps are their record), each cancelling its pending contacts as any removed step.
        copies = self and self.sudo().search([("offer_step_id", "in", self.ids), ("campaign_id.state", "!=", "done")])
        if copies:
            copies.with_context(optical_offer_sync=True).unlink()
        return super().unlink()

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        if self.env.context.get("optical_offer_join"):
            # A shop joining a supplier's offer: each step of its copy follows the supplier's step.
            for step, vals in zip(self, vals_list, strict=True):
                vals["offer_step_id"] = step.id
        return vals_list

    def _move_pending(self):
        """The step was re-timed or changed channel or purpose: its contacts
        not sent yet follow (the day counted from the campaign start), and the
        sending rules look at them again (consent for the new channel, ...)."""
        if not self:
            return
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """UPDATE optical_crm_communication c
                  SET scheduled_date = ca.date_start + s.day_offset, channel = s.channel, purpose = s.purpose,
                      write_date = NOW() AT TIME ZONE 'UTC'
                 FROM optical_crm_campaign_step s
                 JOIN optical_crm_campaign ca ON ca.id = s.campaign_id
                WHERE c.campaign_step_id = s.id AND s.id IN %(steps)s
                  -- pending: planned, or skipped on a day still ahead (the rules may plan it again)
                  AND (c.state = 'planned' OR (c.state = 'skipped' AND c.scheduled_date >= %(today)s))""",
            steps=tuple(self.ids), today=self.env["res.company"]._optical_today_sql(SQL("c.company_id"))))
        Communication = self.env["optical.crm.communication"]
        Communication.invalidate_model(["scheduled_date", "channel", "purpose"])
        Communication._apply_rules(SQL("c.campaign_step_id IN %s", tuple(self.ids)))

    @api.constrains("day_offset", "campaign_id")
    def _check_day_offset(self):
        for step in self:
            campaign = step.campaign_id
            if step.day_offset < 0 or step.day_offset > (campaign.date_end - campaign.date_start).days:
                raise ValidationError(self.env._(
                    "Day: step %(step)s falls outside campaign %(campaign)s.",
                    step=step.name, campaign=campaign.name,
                ))
