from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    optical_communication_ids = fields.One2many("optical.crm.communication", "activity_id")

    def _action_done(self, feedback=False, attachment_ids=None):
        """A callback marked done from the activity list counts as 'reached'."""
        if not self.env.context.get("optical_callback_handled"):
            communications = self.optical_communication_ids.filtered(lambda c: c.state == "sent")
            now = fields.Datetime.now()
            for communication in communications:
                communication.write({
                    "state": "done", "callback_outcome": "reached", "callback_note": feedback or False,
                    "callback_attempts": communication.callback_attempts + 1, "outcome_date": now,
                })
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def unlink(self):
        """A callback activity deleted by hand cancels its communication."""
        communications = self.optical_communication_ids.filtered(lambda c: c.state == "sent")
        if communications:
            communications.write({"state": "cancelled", "skip_reason": self.env._("Callback activity deleted")})
        return super().unlink()
