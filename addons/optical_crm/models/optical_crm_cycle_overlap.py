from odoo import api, models

# What makes two cyclic activities start on the same events.
OVERLAP_FIELDS = ("active", "event_type", "lens_type", "company_id")


def _interval(step):
    """A step's offset from the event, weeks counted as days (a week and 7 days fall on the same day)."""
    if step.interval_unit == "weeks":
        return step.interval_number * 7, "days"
    return step.interval_number, step.interval_unit


class OpticalCrmCycleOverlap(models.Model):
    """Two active cyclic activities on the same trigger event (and lens
    type) in the same shop: the form says so while editing, and saving
    says it again, naming the other activities and what happens to their
    customers. The planner contacts a customer once per event and day
    (``optical.crm.communication._plan_cycle``): a step falling on the same
    day as a step of another activity skips the customers that activity
    already contacts for the event."""

    _inherit = "optical.crm.cycle"

    def _overlapping_cycles(self):
        """The other active cyclic activities starting on the same events
        as this one: same trigger, lens types that meet (either is "any"),
        shops that meet (either is "every shop")."""
        self.ensure_one()
        if not self.active or not self.event_type:
            return self.browse()
        domain = [("id", "!=", self._origin.id), ("active", "=", True), ("event_type", "=", self.event_type)]
        if self.lens_type:
            domain += ["|", ("lens_type", "=", False), ("lens_type", "=", self.lens_type)]
        if self.company_id:
            domain += ["|", ("company_id", "=", False), ("company_id", "=", self.company_id.id)]
        return self.search(domain)

    def _overlap_message(self, others):
        """What the owner is told: the other activities, and what becomes of
        the customers they already contact."""
        self.ensure_one()
        _ = self.env._
        theirs = {_interval(step) for step in others.step_ids}
        units = dict(self.env["optical.crm.cycle.step"]._fields["interval_unit"]._description_selection(self.env))
        shared = sorted({
            "%s %s" % (step.interval_number, units.get(step.interval_unit, step.interval_unit))
            for step in self.step_ids if _interval(step) in theirs
        })
        message = _(
            "%(name)s starts on the same events as %(others)s. A customer already contacted by one of them for "
            "an event is not contacted again on the same day: a step falling on the same day as one of theirs "
            "skips that customer; steps on other days contact them as well.",
            name=self.name or _("This cyclic activity"), others=", ".join(others.mapped("display_name")))
        if shared:
            message += " " + _("Steps on the same day as theirs: %(intervals)s after the event.",
                                intervals=", ".join(shared))
        return message

    @api.onchange(*OVERLAP_FIELDS)
    def _onchange_overlap(self):
        others = self._overlapping_cycles()
        if others:
            return {"warning": {
                "title": self.env._("Another cyclic activity covers these events"),
                "message": self._overlap_message(others),
                "type": "notification",
            }}
        return None

    @api.model_create_multi
    def create(self, vals_list):
        cycles = super().create(vals_list)
        cycles._notify_overlap()
        return cycles

    def write(self, vals):
        res = super().write(vals)
        if set(vals) & set(OVERLAP_FIELDS):
            self._notify_overlap()
        return res

    def _notify_overlap(self):
        """On save: a note on the activity's chatter (kept for later) and a
        notification to whoever saved it."""
        for cycle in self:
            others = cycle._overlapping_cycles()
            if not others:
                continue
            message = cycle._overlap_message(others)
            cycle.message_post(body=message, message_type="comment", subtype_xmlid="mail.mt_note")
            self.env.user._bus_send("simple_notification", {
                "type": "warning", "sticky": True,
                "title": self.env._("Another cyclic activity covers these events"), "message": message,
            })
