from odoo import fields, models

from ..models.optical_crm_communication import CALLBACK_OUTCOMES


class OpticalCrmCallbackWizard(models.TransientModel):
    _name = "optical.crm.callback.wizard"
    _description = "Phone callback outcome"

    communication_ids = fields.Many2many("optical.crm.communication", string="Callbacks", required=True)
    action = fields.Selection(
        [("done", "Log the call"), ("postpone", "Postpone"), ("give_up", "Give up")],
        required=True, default="done",
    )
    outcome = fields.Selection(
        [o for o in CALLBACK_OUTCOMES if o[0] != "given_up"], default="reached",
    )
    note = fields.Text()
    date = fields.Date("New date", default=lambda self: fields.Date.add(fields.Date.context_today(self), days=1))
    reason = fields.Char()

    def action_confirm(self):
        self.ensure_one()
        communications = self.communication_ids
        if self.action == "done":
            communications.action_callback_done(self.outcome, self.note)
        elif self.action == "postpone":
            communications.action_callback_postpone(self.date, self.note)
        else:
            communications.action_callback_give_up(self.reason)
        return {"type": "ir.actions.act_window_close"}
