import datetime

from odoo import api, fields, models

from ..models.optical_crm_communication_callback import CALLBACK_OUTCOMES


class OpticalCrmCallbackWizard(models.TransientModel):
    _name = "optical.crm.callback.wizard"
    _description = "Phone callback outcome"

    communication_ids = fields.Many2many("optical.crm.communication", string="Callbacks", required=True)
    partner_id = fields.Many2one("res.partner", "Customer", compute="_compute_call")
    partner_phone = fields.Char("Phone", compute="_compute_call")
    partner_mobile = fields.Char("Mobile", compute="_compute_call")
    callback_reason = fields.Char("Why", compute="_compute_call")
    script = fields.Text("Call script", compute="_compute_call")
    callback_attempt_ids = fields.Many2many("optical.crm.callback.attempt", string="Earlier attempts",
                                            compute="_compute_call")
    action = fields.Selection(
        [("done", "Log the call"), ("postpone", "Postpone"), ("give_up", "Give up")],
        required=True, default="done",
    )
    outcome = fields.Selection(
        [o for o in CALLBACK_OUTCOMES if o[0] != "given_up"], default="reached",
    )
    note = fields.Text()
    date = fields.Date("New date", compute="_compute_date", store=True, readonly=False,
                       help="Call back later: today by default (later today) or another day.")
    reason = fields.Char()

    @api.depends("communication_ids")
    def _compute_call(self):
        for wizard in self:
            call = wizard.communication_ids[:1] if len(wizard.communication_ids) == 1 else wizard.communication_ids.browse()
            wizard.partner_id = call.partner_id
            wizard.partner_phone = call.partner_phone
            wizard.partner_mobile = call.partner_mobile
            wizard.callback_reason = call.callback_reason
            wizard.script = call.body
            wizard.callback_attempt_ids = call.callback_attempt_ids

    @api.depends("action", "outcome")
    def _compute_date(self):
        for wizard in self:
            today = wizard.communication_ids._optical_today_of_shops()
            if wizard.action == "done" and wizard.outcome == "call_back_later":
                wizard.date = today
            else:
                wizard.date = today + datetime.timedelta(days=1)

    def action_confirm(self):
        self.ensure_one()
        communications = self.communication_ids
        if self.action == "done":
            communications.action_callback_done(
                self.outcome, self.note, date=self.date if self.outcome == "call_back_later" else None)
        elif self.action == "postpone":
            communications.action_callback_postpone(self.date, self.note)
        else:
            communications.action_callback_give_up(self.reason)
        return {"type": "ir.actions.act_window_close"}

    def action_no_answer(self):
        """One click from the dialog: nobody answered, tried again as the retry rules say."""
        self.ensure_one()
        self.communication_ids.action_callback_done("no_answer", self.note)
        return {"type": "ir.actions.act_window_close"}

    def action_postpone_tomorrow(self):
        """One click from the dialog: call again tomorrow (the shop's tomorrow)."""
        self.ensure_one()
        tomorrow = self.communication_ids._optical_today_of_shops() + datetime.timedelta(days=1)
        self.communication_ids.action_callback_postpone(tomorrow, self.note)
        return {"type": "ir.actions.act_window_close"}
