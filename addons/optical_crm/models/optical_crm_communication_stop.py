from odoo import api, models
from odoo.tools import SQL

# strftime directives of Odoo's language date formats, as PostgreSQL's to_char writes them.
STRFTIME_TO_CHAR = {"%d": "DD", "%m": "MM", "%Y": "YYYY", "%y": "YY", "%b": "Mon", "%B": "FMMonth", "%e": "FMDD"}


def to_char_format(date_format):
    """A language's ``date_format`` (strftime) as a ``to_char`` pattern; text
    between directives is quoted so that PostgreSQL writes it as it is."""
    pattern, literal, i = [], "", 0
    while i < len(date_format):
        directive = date_format[i:i + 2]
        if directive in STRFTIME_TO_CHAR:
            if literal:
                pattern.append('"%s"' % literal.replace('"', ""))
                literal = ""
            pattern.append(STRFTIME_TO_CHAR[directive])
            i += 2
        else:
            literal += date_format[i]
            i += 1
    if literal:
        pattern.append('"%s"' % literal.replace('"', ""))
    return "".join(pattern)


class OpticalCrmCommunicationStop(models.Model):
    """Stop conditions: a step names the events that make it pointless
    (``stop_event_type_ids``: an eye-exam reminder after an eye exam, a
    trade-in offer after a new pair). A customer who had such an event after
    the trigger event's day (for a step due before its event, a reminder
    ahead of the next supply: after the day the trigger was recorded; for a
    campaign step: on or after the campaign's start) and before the day of
    the step is skipped with ``goal_reached``, naming the event and its date. A ``_skip_conditions`` rule: the planner
    evaluates it in its INSERT, the rules again on every change of the
    customer's events and the sender on the day; when the event goes away
    before the day, the contact is planned again."""

    _inherit = "optical.crm.communication"

    @api.model
    def _skip_conditions(self):
        return super()._skip_conditions() + self._stop_skip_conditions()

    @api.model
    def _stop_events_sql(self, kind, codes):
        """FROM … WHERE of the customer's events that stop the communication
        ``c`` of a cycle step (``kind`` = 'cycle') or a campaign step: of a
        type its step names (``codes``: SQL, the event keys of the row's
        step, an array), active, after the trigger event's day (on or after
        the campaign's start) and before the communication's day."""
        if kind == "cycle":
            # A step due before its event (a reminder ahead of the next supply) counts from the day the
            # trigger event was recorded: the new supply is bought before the old one's date.
            origin, since = (
                SQL("JOIN optical_crm_event o ON o.id = c.event_id"),
                SQL("""s.event_date > CASE WHEN o.event_date < c.scheduled_date THEN o.event_date
                                           ELSE o.create_date::date END"""))
        else:
            origin, since = (
                SQL("JOIN optical_crm_campaign o ON o.id = c.campaign_id"), SQL("s.event_date >= o.date_start"))
        return SQL(
            """optical_crm_event s %(origin)s
                WHERE s.partner_id = c.partner_id AND s.event_type = ANY(%(codes)s) AND s.active
                  AND %(since)s AND s.event_date < c.scheduled_date""",
            origin=origin, codes=codes, since=since)

    @api.model
    def _stop_skip_conditions(self):
        """The stop conditions as ``(condition, code, reason)`` triples; the
        reason names the first such event and its date, in the language of
        whoever runs the rules (the shop's, for the crons)."""
        lang = self.env.lang or "en_US"
        date_format = self.env["res.lang"]._get_data(code=lang).date_format or "%m/%d/%Y"
        # The translated text as PostgreSQL's format(): %1$s the event, %2$s its date.
        template = self.env._("Goal reached: %(event)s on %(date)s").replace("%", "%%")
        template = template.replace("%%(event)s", "%1$s").replace("%%(date)s", "%2$s")
        conditions = []
        for kind, step_column, model in (("cycle", "cycle_step_id", "optical.crm.cycle.step"),
                                         ("campaign", "campaign_step_id", "optical.crm.campaign.step")):
            codes = {step.id: sorted(set(step.stop_event_type_ids.mapped("code")))
                     for step in self._stop_steps(model)}
            if not codes:
                conditions.append((SQL("FALSE"), "goal_reached", SQL("NULL")))
                continue
            step = SQL("c.%s", SQL.identifier(step_column))
            # Each step's event keys are written in the statement, so that a row's events are found by
            # one index scan of the customer's events of those types; the rows of the steps without
            # stop conditions look at no event.
            events = self._stop_events_sql(kind, SQL("CASE %s %s END", step, SQL(" ").join(
                SQL("WHEN %s THEN %s::varchar[]", step_id, step_codes) for step_id, step_codes in codes.items())))
            conditions.append((
                SQL("%s = ANY(%s) AND EXISTS (SELECT 1 FROM %s)", step, list(codes), events),
                "goal_reached",
                SQL("""(SELECT format(%s, (SELECT COALESCE(t.name->>%s, t.name->>'en_US')
                                             FROM optical_crm_event_type t WHERE t.code = s.event_type),
                                     to_char(s.event_date, %s))
                          FROM %s ORDER BY s.event_date, s.id LIMIT 1)""",
                    template, lang, to_char_format(date_format), events)))
        return conditions

    @api.model
    def _stop_steps(self, model):
        """The steps of ``model`` with stop conditions."""
        # sudo: which steps stop on what, for the product's own bookkeeping; nothing is returned to the user.
        return self.env[model].sudo().search([("stop_event_type_ids", "!=", False)])

    @api.model
    def _stop_event_codes(self, with_triggers=False):
        """The event keys some step stops on (``with_triggers``: and the
        trigger events of cycle steps with stop conditions): a change to
        such an event makes the rules look at its customer's pending
        contacts again."""
        steps = {model: self._stop_steps(model) for model in ("optical.crm.cycle.step", "optical.crm.campaign.step")}
        codes = {code for model_steps in steps.values() for code in model_steps.stop_event_type_ids.mapped("code")}
        if with_triggers:
            codes |= set(steps["optical.crm.cycle.step"].cycle_id.mapped("event_type"))
        return codes
