from odoo import api, fields, models

from .optical_crm_event import EVENT_TYPES, LENS_TYPES


class OpticalCrmCycle(models.Model):
    _name = "optical.crm.cycle"
    _description = "Cyclic activity"
    _inherit = ["optical.crm.plan.mixin"]
    _order = "priority desc, name"
    _check_company_auto = True
    _results_field = "cycle_id"

    active = fields.Boolean(default=True, tracking=True)
    event_type = fields.Selection(EVENT_TYPES, "Trigger event", required=True, tracking=True)
    lens_type = fields.Selection(
        LENS_TYPES, "Only lens type", help="Start only for events of this lens type (e.g. progressive glasses)."
    )
    step_ids = fields.One2many("optical.crm.cycle.step", "cycle_id", "Steps", copy=True)
    company_id = fields.Many2one(help="Empty: the cyclic activity runs for every shop.")
    supersede = fields.Boolean(
        "Newer event supersedes",
        default=True,
        help="When the customer comes back for the same kind of item, the follow-up of the older one "
        "stops: a new pair of progressive glasses replaces the old progressive pair's calls and "
        "messages (sunglasses or reading glasses bought later do not), a new supply of the same "
        "contact lenses replaces the old one's reminders. Items bought on the same day are all "
        "followed.",
    )
    communication_ids = fields.One2many("optical.crm.communication", "cycle_id", "Communications")

    def _creation_message(self):
        """The chatter's first line as one sentence, so the Italian agrees ("Attività ciclica creata"), in the
        language of the user who created the record."""
        return self.with_context(lang=self.env.lang or self.env.user.lang).env._("Cyclic activity created")

    def write(self, vals):
        res = super().write(vals)
        if "active" in vals and not vals["active"]:
            self._stopped()
        return res

    @api.depends("step_ids.purpose")
    def _compute_reach(self):
        return super()._compute_reach()

    def _reach_purpose(self):
        # Service steps need no consent: a cycle of service steps only is counted as such.
        steps = self.step_ids
        return "service" if steps and set(steps.mapped("purpose")) == {"service"} else "marketing"
