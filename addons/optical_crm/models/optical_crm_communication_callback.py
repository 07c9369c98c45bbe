import datetime

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html

CALLBACK_OUTCOMES = [
    ("reached", "Reached"),
    ("no_answer", "No answer"),
    ("wrong_number", "Wrong number"),
    ("call_back_later", "Call back later"),
    ("given_up", "Given up"),
]


class OpticalCrmCommunicationCallback(models.Model):
    """Phone callbacks: a ``phone`` communication, when sent, is a callback
    activity on the customer that any staff member of the shop can work.

    Every outcome, whichever screen it comes from (the outcome dialog, the
    activity's "Done" in the chatter or the systray), is recorded by
    ``_callback_record`` and leaves one attempt row; the activity and the
    customer's chatter are handled on the shop's behalf, so a call assigned to
    someone else, or a user without an e-mail address, records it as well.
    """

    _inherit = "optical.crm.communication"

    user_id = fields.Many2one(
        "res.users", "Assigned to", index="btree_not_null", check_company=True,
        help="Staff member who makes the call; empty: any staff member of the shop. "
             "The callback activity follows the assignment.")
    activity_id = fields.Many2one("mail.activity", "Callback activity", ondelete="set null", copy=False,
                                  index="btree_not_null")
    callback_outcome = fields.Selection(CALLBACK_OUTCOMES, "Outcome", copy=False)
    callback_note = fields.Text("Last note", copy=False)
    callback_attempts = fields.Integer("Attempts", copy=False)
    callback_attempt_ids = fields.One2many("optical.crm.callback.attempt", "communication_id", "Call attempts")
    outcome_date = fields.Datetime("Outcome on", index="btree_not_null", copy=False)
    event_date_text = fields.Char("Event date (text)", compute="_compute_event_date_text",
                                  help="The trigger event's date as the shop writes it, for texts: "
                                       "{{ object.event_date_text }}.")
    contact_status = fields.Char("Status", compute="_compute_contact_status",
                                 help="Planned, or a call still open (sent to the call list, not made yet).")
    callback_reason = fields.Char("Why", compute="_compute_callback_reason",
                                  help="The cyclic activity or campaign, its step and the event behind the call.")

    @api.depends("event_id.event_date", "company_id")
    def _compute_event_date_text(self):
        for communication in self:
            communication.event_date_text = communication.company_id._optical_format_date(
                communication.event_id.event_date)

    @api.depends("state", "channel")
    def _compute_contact_status(self):
        states = dict(self._fields["state"]._description_selection(self.env))
        for communication in self:
            if communication.channel == "phone" and communication.state == "sent":
                communication.contact_status = self.env._("Open call")
            else:
                communication.contact_status = states.get(communication.state, "")

    @api.depends("cycle_id", "campaign_id", "cycle_step_id", "campaign_step_id", "event_id")
    def _compute_callback_reason(self):
        event_types = dict(self.env["optical.crm.event"]._fields["event_type"]._description_selection(self.env))
        lens_types = dict(self.env["optical.crm.event"]._fields["lens_type"]._description_selection(self.env))
        for communication in self:
            # What to talk about first: the step and the event; the cycle or campaign last.
            parts = []
            origin = communication.cycle_id or communication.campaign_id
            step = communication.cycle_step_id or communication.campaign_step_id
            if step:
                parts.append(step.name)
            event = communication.event_id
            if event:
                label = event_types.get(event.event_type, "")
                if event.lens_type:
                    label = "%s (%s)" % (label, lens_types.get(event.lens_type, ""))
                parts.append(self.env._("%(event)s on %(date)s", event=label,
                                        date=communication.company_id._optical_format_date(event.event_date)))
            if origin:
                parts.append(origin.name)
            communication.callback_reason = " · ".join(parts)

    # ------------------------------------------------------------------
    # Sending: a due phone communication becomes a callback activity
    # ------------------------------------------------------------------

    def _callback_activity_user(self):
        """Who gets the reminder of this call in the activity systray: the
        staff member it is assigned to; else the shop's callback user; else
        the cyclic activity's or campaign's responsible."""
        self.ensure_one()
        return (
            self.user_id
            or self.company_id.optical_callback_user_id
            or self.cycle_id.user_id
            or self.campaign_id.user_id
            or self.env.ref("base.user_admin", raise_if_not_found=False)
            or self.env.user
        )

    def _send_phone(self):
        """A phone communication becomes a callback activity on the customer.
        The call itself stays unassigned (the shop's call) until someone takes
        it or the owner assigns it."""
        activity_type = self.env.ref("optical_crm.mail_activity_type_callback")
        partner_model = self.env["ir.model"]._get_id("res.partner")
        self._render_texts()
        vals_list = [{
            "activity_type_id": activity_type.id,
            "res_model_id": partner_model,
            "res_id": communication.partner_id.id,
            "user_id": communication._callback_activity_user().id,
            "date_deadline": max(communication.scheduled_date, communication.company_id._optical_today()),
            "summary": communication.subject,
            "note": plaintext2html(communication.body or ""),
        } for communication in self]
        # Each customer follows once per assignee before the activities are
        # created: ``mail.activity.create`` subscribes the assignee to every
        # customer of its batch, and a customer with two calls on one day (two
        # pairs picked up together) would be inserted twice as a follower.
        # Each call stays its own activity (own reason, outcome and attempts).
        followers = {}
        for vals in vals_list:
            followers.setdefault(vals["user_id"], set()).add(vals["res_id"])
        Users = self.env["res.users"].sudo()
        for user_id, partner_ids in followers.items():
            self.env["res.partner"].sudo().browse(sorted(partner_ids)).message_subscribe(
                partner_ids=Users.browse(user_id).partner_id.ids)
        # Quick update: no "you have been assigned" e-mail for every call of the day.
        activities = self.env["mail.activity"].sudo().with_context(mail_activity_quick_update=True).create(vals_list)
        self._write_per_row(["activity_id", "scheduled_date"], [
            (communication.id, activity.id, activity.date_deadline)
            for communication, activity in zip(self, activities, strict=True)])
        self._mark_sent()

    # ------------------------------------------------------------------
    # Assignment: the activity follows the call
    # ------------------------------------------------------------------

    def write(self, vals):
        res = super().write(vals)
        if "user_id" in vals and not self.env.context.get("optical_callback_handled"):
            for communication in self.filtered(lambda c: c.activity_id and c.state == "sent"):
                communication.activity_id.sudo().with_context(
                    optical_callback_handled=True, mail_activity_quick_update=True,
                ).write({"user_id": communication._callback_activity_user().id})
        return res

    def action_callback_take(self):
        """Assign these calls to me (the activity moves with them)."""
        self._check_callback()
        self.write({"user_id": self.env.uid})
        return True

    # ------------------------------------------------------------------
    # Outcomes
    # ------------------------------------------------------------------

    def _check_callback(self):
        # Staff may work every call of their shops: the communication's own
        # access rules decide, the activity is then handled on their behalf.
        self.check_access("write")
        states = dict(self._fields["state"]._description_selection(self.env))
        for communication in self:
            if communication.channel != "phone":
                raise UserError(self.env._("Channel: %(call)s is not a phone callback.",
                                           call=communication.display_name))
            if communication.state != "sent":
                raise UserError(self.env._(
                    "State: the callback %(call)s is not open (it is %(state)s).",
                    call=communication.display_name, state=states[communication.state]))

    def _callback_message(self, title, note=False):
        body = Markup("<p><b>%s</b></p>") % title
        if note:
            body += plaintext2html(note)
        return body

    def _callback_log(self, message):
        """A note in the customer's chatter, authored by the current user,
        without needing their e-mail address or write access on the customer."""
        self.partner_id.sudo()._message_log(
            body=message, author_id=self.env.user.partner_id.id, message_type="comment")

    def _callback_effect(self, outcome, attempts, max_attempts, today, date, reason, note):
        """What one outcome does to this call: (new state or None, values to
        write, chatter title, how its activity closes, new due date)."""
        self.ensure_one()
        _ = self.env._
        outcomes = dict(self._fields["callback_outcome"]._description_selection(self.env))
        format_date = self.company_id._optical_format_date
        extra = {}
        close, new_date, state = False, None, None
        if outcome == "reached":
            state = "done"
            title, close = _("Callback: %(outcome)s", outcome=outcomes[outcome]), "done"
        elif outcome == "wrong_number":
            state = "failed"
            extra["failure_reason"] = _("Wrong number")
            title, close = _("Callback: %(outcome)s", outcome=outcomes[outcome]), "done"
        elif outcome == "given_up":
            state = "cancelled"
            extra.update(skip_reason=reason, callback_note=note or reason)
            title, close = _("Callback given up: %(reason)s", reason=reason), "remove"
        elif outcome == "no_answer" and attempts >= max_attempts:
            state = "failed"
            extra["failure_reason"] = _("Not reached after %(n)s attempts", n=attempts)
            title = _("Callback: no answer (attempt %(n)s of %(max)s), given up", n=attempts, max=max_attempts)
            close = "done"
        elif outcome == "no_answer":
            new_date = today + datetime.timedelta(days=1)
            title = _("Callback: no answer (attempt %(n)s of %(max)s), retry on %(date)s",
                      n=attempts, max=max_attempts, date=format_date(new_date))
        elif outcome == "call_back_later":
            new_date = date or today
            title = _("Callback: call back later, on %(date)s", date=format_date(new_date))
        else:  # postponed
            new_date = date
            title = _("Callback postponed to %(date)s", date=format_date(new_date))
        return state, extra, title, close, new_date

    def _callback_record(self, outcome, note=False, date=None, reason=False, from_activity=False):
        """Record one attempt of these calls: the one home of every outcome.

        ``reached`` closes the call (its activity done); ``wrong_number``
        fails it; ``no_answer`` retries tomorrow up to the shop's number of
        attempts, then fails it; ``call_back_later`` keeps it open for ``date``
        (default: later today); ``postponed`` moves it to ``date``;
        ``given_up`` cancels it with ``reason`` (the activity is removed, not
        counted as done). The call's date follows its new due day.
        ``from_activity``: the activity itself is being done or deleted by
        Odoo (chatter, systray), which also posts the message.
        """
        now = fields.Datetime.now()
        for communication in self:
            today = communication.company_id._optical_today()
            attempts = communication.callback_attempts + (0 if outcome == "postponed" else 1)
            max_attempts = max(communication.company_id.optical_callback_max_attempts, 1)
            values = {"callback_attempts": attempts, "outcome_date": now}
            if note:
                values["callback_note"] = note
            if outcome != "postponed":
                values["callback_outcome"] = outcome
            state, extra, title, close, new_date = communication._callback_effect(
                outcome, attempts, max_attempts, today, date, reason, note)
            values.update(extra)
            if new_date:
                values["scheduled_date"] = new_date
            if state:
                # Through the ledger's forward-only transitions, like every other state change.
                communication._set_state(state, **values)
            else:
                # The call's own bookkeeping: the outcome actions checked the
                # user may act on it (``_check_callback``), the activity's
                # handlers that Odoo let the user change the activity.
                communication.sudo().write(values)
            self.env["optical.crm.callback.attempt"].sudo().create({
                "communication_id": communication.id,
                "outcome": outcome,
                "note": note or reason or False,
                "next_date": new_date,
            })
            message = communication._callback_message(title, note if outcome != "given_up" else False)
            if from_activity:
                # Odoo posts the activity's own "done" message with the feedback.
                if close != "done":
                    communication._callback_log(message)
                continue
            activity = communication.activity_id.sudo()
            if close == "done" and activity:
                activity.action_feedback(feedback=message)
            else:
                if activity and close == "remove":
                    activity.unlink()
                elif activity and new_date:
                    activity.write({"date_deadline": new_date})
                communication._callback_log(message)
        return True

    def action_callback_done(self, outcome="reached", note=False, date=None):
        """Record the outcome of a call. ``no_answer`` retries tomorrow up to
        the shop's number of attempts; ``call_back_later`` keeps the call open
        for ``date`` (default: later today)."""
        outcomes = dict(self._fields["callback_outcome"]._description_selection(self.env))
        if outcome not in outcomes or outcome == "given_up":
            raise UserError(self.env._("Outcome: %(outcome)r is not one of %(allowed)s.", outcome=outcome,
                                       allowed=", ".join(k for k in outcomes if k != "given_up")))
        date = fields.Date.to_date(date) if date else None
        if date and date < self._optical_today_of_shops():
            raise UserError(self.env._("Date: a call can only be moved to today or later."))
        self._check_callback()
        return self._callback_record(outcome, note, date=date)

    def _optical_today_of_shops(self):
        """The latest of the calls' shops' today: a call is never moved before it."""
        return max((company._optical_today() for company in self.company_id), default=None) or \
            self.env.company._optical_today()

    def action_callback_postpone(self, date, note=False):
        date = fields.Date.to_date(date)
        if not date or date < self._optical_today_of_shops():
            raise UserError(self.env._("Date: a callback can only be postponed to today or later."))
        self._check_callback()
        return self._callback_record("postponed", note, date=date)

    def action_callback_give_up(self, reason):
        if not reason or not str(reason).strip():
            raise UserError(self.env._("Reason: say why the callback is given up."))
        self._check_callback()
        return self._callback_record("given_up", reason=reason.strip())

    def action_open_callback_wizard(self):
        self._check_callback()
        return {
            "name": self.env._("Call %(customer)s", customer=self[:1].partner_id.name or "")
            if len(self) == 1 else self.env._("Call outcome"),
            "type": "ir.actions.act_window",
            "res_model": "optical.crm.callback.wizard",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_communication_ids": self.ids},
        }
