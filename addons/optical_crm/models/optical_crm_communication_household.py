from odoo import api, models
from odoo.tools import SQL

# Where a campaign's contacts come from: only campaigns send one message per household.
HOUSEHOLD_SOURCES = ("campaign", "supplier_campaign")


class OpticalCrmCommunicationHousehold(models.Model):
    """One per household: customers who share the address a campaign's
    message reaches (a mobile number, an e-mail address, an app device) get
    it once. Within one campaign step, the household's contact already
    handed over keeps it; otherwise the customer with the lowest id among
    those the other rules let through (consent, number, control group) gets
    it, and the others are skipped with ``household``, naming who gets it.
    When that customer drops out before the day, the next one is planned
    again. Personal messages (cycles: birthday, a pair's follow-up) stay per
    person."""

    _inherit = "optical.crm.communication"

    @api.model
    def _household_key_sql(self):
        """{channel: SQL on the communication ``c`` and its customer ``p``:
        the address a message on that channel reaches, NULL when none}.
        Customers whose contacts of one campaign step share it are a
        household. Core knows e-mail; channel modules add theirs."""
        return {"email": SQL("NULLIF(p.email_normalized, '')")}

    @api.model
    def _household_keys(self, channel, partner_ids, company):
        """{partner id: address} of these customers on ``channel``, the same
        address ``_household_key_sql`` gives a communication of ``company``:
        for customers not planned yet (a campaign's reach). Modules add theirs."""
        if channel != "email" or not partner_ids:
            return {}
        self.env["res.partner"].flush_model(["email_normalized"])
        self.env.cr.execute(SQL(
            "SELECT id, email_normalized FROM res_partner WHERE id IN %s AND COALESCE(email_normalized, '') != ''",
            tuple(partner_ids)))
        return dict(self.env.cr.fetchall())

    @api.model
    def _household_reason(self, name):
        return self.env._("One per household: %(name)s gets this message at the same address", name=name)

    @api.model
    def _apply_household_rule(self, scope):
        """Within each step of a campaign sending one per household touched
        by ``scope``, skip every contact whose address another customer's
        contact already takes, and plan again those skipped for it whose
        household no longer holds them back. Only the households of more than
        one customer are loaded (one SELECT); verdicts are written in bulk."""
        keys = self._household_key_sql()
        if not keys:
            return
        cr = self.env.cr
        # The steps of the contacts in scope (whatever their state: one that
        # dropped out may free its household's place), of a campaign sending
        # one per household or with contacts skipped for it (turned off since).
        cr.execute(SQL(
            """SELECT DISTINCT c.campaign_step_id
                 FROM optical_crm_communication c
                 JOIN optical_crm_campaign ca ON ca.id = c.campaign_id
                WHERE c.campaign_step_id IS NOT NULL AND c.source IN %s AND %s
                  AND (ca.one_per_household OR c.skip_code = 'household')""",
            HOUSEHOLD_SOURCES, scope))
        steps = tuple(row[0] for row in cr.fetchall())
        if not steps:
            return
        key = SQL("CASE %s END", SQL(" ").join(
            SQL("WHEN c.channel = %s THEN %s", channel, expression) for channel, expression in keys.items()))
        rule_code, rule_reason = self._skip_case_sql(contact=True)
        # The contacts of those steps that hold or may take a household's place:
        # handed over, planned, or skipped for the household and still ahead.
        # A skipped one carries the verdict of the other rules, which come first.
        cr.execute(SQL(
            """WITH r AS (
                   SELECT c.id, c.campaign_step_id AS step, c.partner_id, c.state, c.skip_code, c.skip_reason,
                          CASE WHEN ca.one_per_household THEN %(key)s END AS key,
                          CASE WHEN c.state = 'skipped' THEN %(rule_code)s END AS rule_code,
                          CASE WHEN c.state = 'skipped' THEN %(rule_reason)s END AS rule_reason
                     FROM optical_crm_communication c
                     JOIN res_partner p ON p.id = c.partner_id
                     JOIN optical_crm_campaign ca ON ca.id = c.campaign_id
                    WHERE c.campaign_step_id IN %(steps)s AND c.source IN %(sources)s
                      AND (c.state IN ('sent', 'done') OR %(reversible)s))
               SELECT r.id, r.step, r.partner_id, r.state, r.skip_code, r.skip_reason, r.key, r.rule_code,
                      r.rule_reason
                 FROM r
                WHERE r.skip_code = 'household'
                   OR (r.step, r.key) IN (SELECT step, key FROM r WHERE key IS NOT NULL
                                           GROUP BY step, key HAVING COUNT(*) > 1)
                ORDER BY r.step, r.key, r.state NOT IN ('sent', 'done'), r.partner_id, r.id""",
            key=key, rule_code=rule_code, rule_reason=rule_reason, steps=steps, sources=HOUSEHOLD_SOURCES,
            reversible=self._reversible_sql(["household"])))
        rows = cr.fetchall()
        if not rows:
            return
        holders = {}
        for _id, step, partner_id, _state, _code, _reason, address, rule_code_now, _rule_reason in rows:
            if address is not None and not rule_code_now and (step, address) not in holders:
                # Ordered: the contact handed over first, then the lowest customer id.
                holders[(step, address)] = partner_id
        # sudo: the names of customers of the same step (one shop), written into the skip reason by
        # the rules' own bookkeeping; nothing is searched or rendered for the user.
        names = dict(self.env["res.partner"].sudo().browse(set(holders.values())).mapped(
            lambda p: (p.id, p.name)))  # sudo: the names of the shop's own customers, for the reason
        verdicts = []
        for row_id, step, partner_id, state, code, reason, address, rule_code_now, rule_reason_now in rows:
            if state in ("sent", "done"):
                continue
            if rule_code_now:
                verdict = (rule_code_now, rule_reason_now)
            elif address is not None and holders[(step, address)] != partner_id:
                verdict = ("household", self._household_reason(names[holders[(step, address)]]))
            else:
                verdict = None
            verdicts.append((row_id, (state, code, reason), verdict, ()))
        self._replan_or_skip(verdicts)

    @api.model
    def _reach_households(self, reach, domain, values, company):
        """``reach`` (``optical.crm.segment._reach``) counted in households:
        per channel, the customers reachable on it who share an address with
        another reachable customer count once, the others are listed as
        reached through their household."""
        company = company or self.env.company
        # A row is a channel, or a chain of them (a step and its alternatives): a chain's customer is sent on
        # the first channel that reaches them, and shares a household on that channel.
        links = [channel for key, *_rest in reach["channels"] for channel in (key if isinstance(key, tuple) else (key,))]
        reachable = self._reachable_partner_ids(domain, list(dict.fromkeys(links)), values)
        channels = []
        for channel, label, count, reasons in reach["channels"]:
            shared, taken = 0, set()
            for link in channel if isinstance(channel, tuple) else (channel,):
                partner_ids = [partner_id for partner_id in reachable.get(link, []) if partner_id not in taken]
                taken.update(partner_ids)
                addresses = self._household_keys(link, partner_ids, company)
                shared += len(addresses) - len(set(addresses.values()))
            if shared > 0:
                reasons = sorted(reasons + [(self.env._("Same household as another customer"), shared)],
                                 key=lambda item: -item[1])
            channels.append((channel, label, count - max(shared, 0), reasons))
        return dict(reach, channels=channels)

    @api.model
    def _reachable_partner_ids(self, domain, channels, values, purpose="marketing"):
        """{channel: [partner id]}: the customers of ``domain`` that
        ``optical.crm.segment._reach`` counts as reachable on each channel,
        seen as the same would-be communications (``values``)."""
        if not channels:
            return {}
        query = self.env["res.partner"].with_context(active_test=True)._search(domain)
        skip_code, _skip_reason = self._skip_case_sql()
        contact = [SQL("(c.channel = %s AND %s)", channel, condition)
                   for channel, conditions in self._reach_contact_conditions().items()
                   for condition, _reason in conditions]
        company = self.env["res.company"].browse(values.get("company_id")) or self.env.company
        row = SQL(
            """SELECT p.id AS partner_id, %(company)s::int AS company_id, ch.channel::varchar AS channel,
                      %(purpose)s::varchar AS purpose, %(today)s::date AS scheduled_date, %(source)s::varchar AS source,
                      0 AS priority, %(cycle)s::int AS cycle_id, NULL::int AS cycle_step_id, NULL::int AS event_id,
                      %(campaign)s::int AS campaign_id, NULL::int AS campaign_step_id""",
            company=values.get("company_id"), purpose=purpose, today=company._optical_today(),
            source="cycle" if values.get("cycle_id") else "campaign" if values.get("campaign_id") else "manual",
            cycle=values.get("cycle_id"), campaign=values.get("campaign_id"))
        self.env.cr.execute(SQL(
            """SELECT c.channel, array_agg(p.id)
                 FROM res_partner p
                CROSS JOIN (VALUES %(channels)s) AS ch(channel)
                CROSS JOIN LATERAL (%(row)s) c
                WHERE p.id IN %(partners)s AND %(skip_code)s IS NULL AND NOT COALESCE(%(contact)s, FALSE)
                GROUP BY c.channel""",
            channels=SQL(", ").join(SQL("(%s)", channel) for channel in channels), row=row,
            partners=query.subselect(), skip_code=skip_code,
            contact=SQL(" OR ").join(contact) if contact else SQL("FALSE")))
        return dict(self.env.cr.fetchall())
