import datetime
import secrets

from odoo import api, fields, models
from odoo.tools import SQL, split_every

from ..tools.phone import normalize_mobile
from ..tools.sms_segments import sms_length
from .optical_crm_step_mixin import SMS_CHANNELS


class OpticalCrmCommunication(models.Model):
    """SMS and SMS with link: number checks before sending, hand-over to
    Odoo's ``sms.sms`` queue, cost, and the personal landing page link."""

    _inherit = "optical.crm.communication"

    sms_id = fields.Many2one("sms.sms", "SMS", ondelete="set null", copy=False, index="btree_not_null")
    sms_reference = fields.Char(
        "SMS reference", copy=False, index="btree_not_null", readonly=True,
        help="Unique id the SMS was handed to the gateway with; delivery reports name it.",
    )
    sms_number = fields.Char("SMS number", copy=False, readonly=True, help="The mobile number in E.164.")
    sms_encoding = fields.Selection(
        [("gsm7", "GSM-7"), ("ucs2", "UCS-2")], "SMS alphabet", copy=False, readonly=True)
    sms_segments = fields.Integer("SMS segments", copy=False, readonly=True)
    sms_cost = fields.Float("SMS cost", digits=(12, 4), copy=False, readonly=True,
                            help="Segments sent times the shop's cost per segment.")
    landing_page_id = fields.Many2one("optical.crm.landing.page", "Landing page", ondelete="set null",
                                      index="btree_not_null", copy=False)
    landing_token = fields.Char("Landing token", copy=False, readonly=True, groups="base.group_system")
    landing_expiry = fields.Datetime("Link valid until", copy=False, readonly=True)
    landing_url = fields.Char("Personal link", compute="_compute_landing_url",
                              help="In a step's text: {{ object.landing_url }}.")
    landing_visits = fields.Integer("Visits", copy=False, readonly=True)

    _sql_constraints = [
        ("landing_token_unique", "UNIQUE(landing_token)", "A landing page token is unique."),
    ]

    @api.depends("landing_token")
    def _compute_landing_url(self):
        base_url = self[:1].get_base_url() if self else ""
        for communication in self:
            token = communication.sudo().landing_token
            communication.landing_url = "%s/l/%s" % (base_url, token) if token else False

    @api.model
    def _channel_registry(self):
        registry = super()._channel_registry()
        registry.update({
            "sms": {"send": "_send_sms", "quiet_hours": True},
            "sms_link": {"send": "_send_sms", "quiet_hours": True},
        })
        return registry

    # ------------------------------------------------------------------
    # Rules: no mobile, invalid or landline number, blacklist / STOP
    # ------------------------------------------------------------------

    @api.model
    def _apply_rules(self, scope):
        super()._apply_rules(scope)
        self._apply_sms_number_rule(scope)

    @api.model
    def _apply_sms_number_rule(self, scope):
        """Read the mobile of every planned SMS in ``scope`` in the shop's
        country: without one, invalid, a landline or on the phone blacklist
        (STOP), the SMS is skipped with that reason; otherwise its E.164
        number is kept for sending. One SELECT, then one UPDATE per 5,000 rows
        (phonenumbers is Python, the rest is set-based)."""
        cr = self.env.cr
        cr.execute(SQL(
            """SELECT c.id, p.mobile, COALESCE(country.code, 'IT')
                 FROM optical_crm_communication c
                 JOIN res_partner p ON p.id = c.partner_id
                 JOIN res_company co ON co.id = c.company_id
                 JOIN res_partner shop ON shop.id = co.partner_id
                 LEFT JOIN res_country country ON country.id = shop.country_id
                WHERE c.state = 'planned' AND c.channel IN %s AND %s""",
            SMS_CHANNELS, scope))
        rows = cr.fetchall()
        if not rows:
            return
        _ = self.env._
        skips, numbers = [], []
        for communication_id, mobile, country_code in rows:
            number = normalize_mobile(mobile, country_code)
            if number.error == "missing":
                skips.append((communication_id, "contact", _("No mobile number")))
            elif number.error == "invalid":
                skips.append((communication_id, "invalid_number", _("Invalid mobile number: %s", mobile)))
            elif number.error == "landline":
                skips.append((communication_id, "invalid_number",
                               _("Landline number, it cannot receive SMS: %s", number.e164)))
            else:
                numbers.append((communication_id, number.e164))
        blacklisted = set()
        for chunk in split_every(5000, {number for _id, number in numbers}):
            cr.execute(SQL("SELECT number FROM phone_blacklist WHERE active AND number IN %s", tuple(chunk)))
            blacklisted.update(number for (number,) in cr.fetchall())
        skips.extend(
            (communication_id, "blacklist", _("Number on the phone blacklist (STOP): %s", number))
            for communication_id, number in numbers if number in blacklisted
        )
        for chunk in split_every(5000, skips):
            cr.execute(SQL(
                """UPDATE optical_crm_communication c
                      SET state = 'skipped', skip_code = v.code, skip_reason = v.reason,
                          write_date = NOW() AT TIME ZONE 'UTC'
                     FROM (VALUES %s) AS v(id, code, reason)
                    WHERE c.id = v.id AND c.state = 'planned'""",
                SQL(", ").join(SQL("(%s, %s, %s)", *row) for row in chunk)))
        for chunk in split_every(5000, [row for row in numbers if row[1] not in blacklisted]):
            cr.execute(SQL(
                """UPDATE optical_crm_communication c SET sms_number = v.number
                     FROM (VALUES %s) AS v(id, number)
                    WHERE c.id = v.id AND c.sms_number IS DISTINCT FROM v.number""",
                SQL(", ").join(SQL("(%s, %s)", *row) for row in chunk)))
        self.invalidate_model(["state", "skip_code", "skip_reason", "write_date", "sms_number"])

    # ------------------------------------------------------------------
    # Rendering: the shop's time zone, the personal link
    # ------------------------------------------------------------------

    def _rendered_texts(self):
        # Dates and times in a text are written in the shop's time zone.
        result = {}
        for company, communications in self.grouped("company_id").items():
            result.update(super(OpticalCrmCommunication, communications.with_context(
                optical_render_tz=company._optical_tz().zone))._rendered_texts())
        return result

    def _assign_landing_tokens(self):
        """Give every SMS with link its landing page and a personal,
        unguessable token (192 bits from ``secrets``), valid for the page's
        number of days."""
        now = fields.Datetime.now()
        for communication in self:
            step = communication.cycle_step_id or communication.campaign_step_id
            page = communication.landing_page_id or step.landing_page_id
            communication.sudo().write({
                "landing_page_id": page.id,
                "landing_token": communication.sudo().landing_token or secrets.token_urlsafe(24),
                "landing_expiry": now + datetime.timedelta(days=page.validity_days or 30),
            })

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def _send_sms(self):
        """Hand the due SMS to Odoo's ``sms.sms`` queue, in this transaction.

        Each communication ends ``sent`` (its SMS is queued and linked; the
        gateway's answer and delivery reports move it on), or ``failed`` with
        its reason (an SMS with link whose step has no landing page).
        """
        self._apply_sms_number_rule(SQL("c.id IN %s AND c.sms_number IS NULL", tuple(self.ids)))
        communications = self.filtered(lambda c: c.state == "planned" and c.sms_number)
        links = communications.filtered(lambda c: c.channel == "sms_link")
        no_page = links.filtered(lambda c: not (c.landing_page_id or c.cycle_step_id.landing_page_id
                                                or c.campaign_step_id.landing_page_id))
        no_page.write({"state": "failed", "failure_reason": self.env._(
            "Landing page: the step of this SMS with link has none")})
        communications -= no_page
        if not communications:
            return self.env["sms.sms"]
        (links - no_page)._assign_landing_tokens()
        texts = communications._rendered_texts()
        vals_list, updates = [], []
        for communication in communications:
            subject, body = texts[communication.id]
            body = (body or "").strip()
            if communication.channel == "sms_link":
                url = communication.landing_url
                if url not in body:
                    # No link placeholder in the step's text: the link is appended.
                    body = ("%s %s" % (body, url)).strip()
            length = sms_length(body)
            vals_list.append({
                "number": communication.sms_number,
                "body": body,
                "partner_id": communication.partner_id.id,
                "optical_communication_id": communication.id,
            })
            updates.append({
                "subject": subject, "body": body, "sms_encoding": length.encoding, "sms_segments": length.segments,
                "sms_cost": length.segments * communication.company_id.optical_sms_cost_per_segment,
            })
        sms_records = self.env["sms.sms"].sudo().create(vals_list)
        now = fields.Datetime.now()
        for communication, sms, values in zip(communications, sms_records, updates):
            communication.write(dict(values, state="sent", sent_date=now, sms_id=sms.id, sms_reference=sms.uuid))
        # Wake Odoo's SMS queue up now rather than at its next hourly run.
        self.env.ref("sms.ir_cron_sms_scheduler_action").sudo()._trigger()
        return sms_records

    def _sms_update_from_delivery(self, sms_state, reason=False):
        """Reflect the gateway's answer or a delivery report on the ledger:
        delivered → done, error → failed with the reason; late or repeated
        reports never move a communication backwards."""
        if sms_state == "sent":
            self.filtered(lambda c: c.state == "sent").write({"state": "done", "outcome_date": fields.Datetime.now()})
        elif sms_state == "error":
            self.filtered(lambda c: c.state == "sent").write({"state": "failed", "failure_reason": reason})
