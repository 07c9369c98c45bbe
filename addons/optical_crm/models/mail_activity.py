from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.osv import expression

# What ties a callback activity to its call: set by the product only.
CALLBACK_LINK_FIELDS = frozenset({"res_model", "res_model_id", "res_id", "activity_type_id"})


class MailActivity(models.Model):
    """Callback activities changed from the chatter or the systray keep their
    call in step: every change goes through the call's own methods."""

    _inherit = "mail.activity"

    optical_communication_ids = fields.One2many("optical.crm.communication", "activity_id")
    optical_callback_communication_id = fields.Many2one(
        "optical.crm.communication", compute="_compute_optical_callback_communication_id",
        help="The open phone callback behind this activity, if any.")

    @api.depends("optical_communication_ids.state")
    def _compute_optical_callback_communication_id(self):
        for activity in self:
            activity.optical_callback_communication_id = activity.sudo().optical_communication_ids.filtered(
                lambda c: c.state == "sent")[:1]

    def _optical_calls(self):
        """The calls behind these activities, as the product linked them: a
        call's ``activity_id`` is set only by the sender (users cannot write
        it), on a callback activity on the call's own customer."""
        callback_type = self.env.ref("optical_crm.mail_activity_type_callback", raise_if_not_found=False)
        return self.sudo().optical_communication_ids.filtered(
            lambda c: c.activity_id.activity_type_id == callback_type
            and c.activity_id.res_model == "res.partner" and c.activity_id.res_id == c.partner_id.id)

    def _optical_open_calls(self):
        # The call's own outcome methods change its state before they touch
        # the activity: only a change made from the activity finds it open.
        return self.sudo().optical_communication_ids.filtered(lambda c: c.state == "sent")

    def _action_done(self, feedback=False, attachment_ids=None):
        """A callback marked done from the chatter or the systray: the call was
        reached (the outcome dialog offers the other outcomes)."""
        for communication in self._optical_open_calls():
            communication._callback_record("reached", feedback, from_activity=True)
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def write(self, vals):
        callbacks = self.browse() if self.env.su else self.filtered(lambda a: a.sudo().optical_communication_ids)
        if callbacks and CALLBACK_LINK_FIELDS & set(vals):
            raise AccessError(self.env._(
                "The callback activity %(activity)s stays on its call's customer: it cannot be moved to another "
                "record or made another kind of activity.", activity=callbacks[0].sudo().display_name))
        if callbacks and "user_id" in vals:
            # Reassigning subscribes the new user to the customer, which Odoo
            # allows only to who may write the customer: the call decides.
            callbacks.check_access("write")
            res = super(MailActivity, callbacks.sudo()).write(vals)
            if self - callbacks:
                res = super(MailActivity, self - callbacks).write(vals)
        else:
            res = super().write(vals)
        calls = ("user_id" in vals or "date_deadline" in vals) and self._optical_open_calls()
        if calls:
            # The same values were just written on every activity: the calls follow in one write.
            values = {}
            if "date_deadline" in vals:
                values["scheduled_date"] = self[:1].date_deadline
            if "user_id" in vals:
                values["user_id"] = self[:1].user_id.id
            calls.with_context(optical_callback_handled=True).write(values)
        return res

    def unlink(self):
        """A callback activity deleted by hand gives its call up."""
        for communication in self._optical_open_calls():
            communication._callback_record("given_up", reason=self.env._("Callback activity deleted"),
                                           from_activity=True)
        return super().unlink()

    def _check_access(self, operation):
        """Staff may work every call of their shops, whoever the callback
        activity is assigned to: on a callback activity, writing or deleting
        is allowed to whoever may write its call (reading it too: Odoo asks
        for write access on a customer to read activities assigned to others)."""
        result = super()._check_access(operation)
        if not result or operation not in ("read", "write", "unlink"):
            return result
        forbidden = result[0]
        calls = forbidden._optical_calls()
        if not calls:
            return result
        allowed_calls = calls.with_env(self.env)._filtered_access("write")
        forbidden -= allowed_calls.sudo().activity_id.with_env(self.env)
        if not forbidden:
            return None
        return forbidden, lambda: forbidden._make_access_error(operation)

    def _search(self, domain, offset=0, limit=None, order=None):
        """Odoo shows someone else's activity on a customer only to who may
        write the customer; callback activities are shown to whoever may
        write their call (the shop's staff)."""
        if self.env.is_superuser():
            return super()._search(domain, offset, limit, order)
        visible = set(super()._search(domain, order=order))
        callbacks = self.sudo().search(expression.AND([domain, [("optical_communication_ids", "!=", False)]]))
        calls = callbacks._optical_calls().with_env(self.env)._filtered_access("write")
        extra = set(calls.sudo().activity_id.ids) & set(callbacks.ids)
        if not extra - visible:
            return super()._search(domain, offset, limit, order)
        return self.sudo()._search([("id", "in", list(visible | extra))], offset, limit, order)
