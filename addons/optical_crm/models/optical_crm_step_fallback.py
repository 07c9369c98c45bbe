from odoo import api, fields, models

from .optical_crm_step_mixin import channel_selection


class OpticalCrmStepFallback(models.Model):
    """An alternative to a step's channel: a customer who cannot be reached
    on the step's channel (no consent, no number or address, no app) is
    contacted on the first alternative that reaches them, in order.

    One model for the steps of cyclic activities and of campaigns, with one
    optional Many2one to each (exactly one set): each step model has its
    ``fallback_ids`` One2many on a real foreign key, removed with its step,
    and the planner reads the alternatives of a communication's step with a
    plain join (a Many2one to the abstract step mixin is impossible, and a
    ``res_model``/``res_id`` pair would lose the One2many, the cascade and
    the join)."""

    _name = "optical.crm.step.fallback"
    _inherit = ["optical.crm.shop.mixin"]
    _description = "Alternative channel of a step"
    _order = "sequence, id"

    cycle_step_id = fields.Many2one("optical.crm.cycle.step", "Cycle step", ondelete="cascade",
                                    index="btree_not_null")
    campaign_step_id = fields.Many2one("optical.crm.campaign.step", "Campaign step", ondelete="cascade",
                                       index="btree_not_null")
    sequence = fields.Integer(default=10)
    channel = fields.Selection(channel_selection, required=True,
                               help="Tried when the customer cannot be reached on the channels before it.")
    company_id = fields.Many2one("res.company", "Shop", compute="_compute_company_id", store=True, index=True)

    _sql_constraints = [
        ("one_step", "CHECK ((cycle_step_id IS NULL) <> (campaign_step_id IS NULL))",
         "An alternative channel belongs to one step, of a cyclic activity or of a campaign."),
    ]

    @api.depends("cycle_step_id.company_id", "campaign_step_id.company_id")
    def _compute_company_id(self):
        for line in self:
            line.company_id = (line.cycle_step_id or line.campaign_step_id).company_id

    @api.constrains("channel", "cycle_step_id", "campaign_step_id")
    def _check_channel(self):
        """An alternative the step could not send on (an e-mail without text,
        an SMS with link without its page) is refused at save, as the step's
        own channel is; so is a channel twice in a chain."""
        for step in [*self.cycle_step_id, *self.campaign_step_id]:
            step._check_chain()
