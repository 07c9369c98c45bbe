import datetime
import secrets

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.optical_crm.models.optical_crm_communication import state_change_sql
from odoo.addons.optical_crm.tools.channels import skip_code_ondelete, skip_code_selection

from ..tools.channels import SMS_DECLARATIONS
from ..tools.sms_segments import sms_length
from .optical_crm_step_mixin import SMS_CHANNEL_ONDELETE, SMS_CHANNEL_SELECTION, SMS_CHANNELS
from .res_company import SENDER_PATTERN

# Skips this module makes, undone when the number becomes usable again.
NUMBER_SKIP_CODES = ("contact", "invalid_number", "blacklist")


class OpticalCrmCommunicationSms(models.Model):
    """SMS and SMS with link: number checks before sending, hand-over to
    Odoo's ``sms.sms`` queue, cost, and the personal landing page link."""

    _inherit = "optical.crm.communication"

    channel = fields.Selection(selection_add=SMS_CHANNEL_SELECTION, ondelete=SMS_CHANNEL_ONDELETE)
    skip_code = fields.Selection(selection_add=skip_code_selection(*SMS_DECLARATIONS),
                                 ondelete=skip_code_ondelete(*SMS_DECLARATIONS))

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
    landing_expiry_text = fields.Char(
        "Link valid until (text)", compute="_compute_landing_expiry_text",
        help="The last day of the personal link as the shop writes it, for texts: {{ object.landing_expiry_text }}.")
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

    @api.depends("landing_expiry", "company_id")
    def _compute_landing_expiry_text(self):
        for communication in self:
            expiry = communication.landing_expiry
            communication.landing_expiry_text = expiry and communication.company_id._optical_format_date(
                pytz.utc.localize(expiry).astimezone(communication.company_id._optical_tz()).date())

    @api.model
    def mail_allowed_qweb_expressions(self):
        return super().mail_allowed_qweb_expressions() + ("object.landing_url", "object.landing_expiry_text")

    @api.model
    def _optical_channels(self):
        return super()._optical_channels() + list(SMS_DECLARATIONS)

    # ------------------------------------------------------------------
    # Rules: no mobile, invalid or landline number, blacklist / STOP
    # ------------------------------------------------------------------

    def _optical_sms_sender(self):
        """The sender the customer sees: the campaign's sender name when it is a
        valid SMS sender (a supplier campaign's brand), else the shop's."""
        self.ensure_one()
        return self._optical_sms_sender_of(self.campaign_id, self.company_id)

    @api.model
    def _optical_sms_sender_of(self, campaign, company):
        sender = (campaign.sender_name or "").strip()
        return sender if SENDER_PATTERN.match(sender) else company._optical_sms_sender()

    @api.model
    def _contact_skip_conditions(self):
        # After consent and the stop conditions, before the control group
        # (last): the control group holds only customers the shop could reach.
        return super()._contact_skip_conditions() + self._sms_number_conditions()

    @api.model
    def _sms_number_conditions(self):
        """The SMS number rule in SQL, on the customer's stored SMS status
        (``res.partner.optical_sms_status``): no mobile, an invalid number, a
        landline, a number on the phone blacklist (STOP). The same verdicts
        as ``_sms_number_skip``, its Python twin (the tests hold them
        together)."""
        _ = self.env._
        sms = SQL("c.channel IN %s", SMS_CHANNELS)

        def reason(text, value):
            # The translated text through PostgreSQL's format(), which reads %s and %% as Python does.
            return SQL("format(%s, %s)", text, value)

        return [
            (SQL("%s AND p.optical_sms_status = 'missing'", sms), "contact", _("No mobile number")),
            (SQL("%s AND p.optical_sms_status = 'invalid'", sms), "invalid_number",
             reason(_("Invalid mobile number: %s"), SQL("p.mobile"))),
            (SQL("%s AND p.optical_sms_status = 'landline'", sms), "invalid_number",
             reason(_("Landline number, it cannot receive SMS: %s"), SQL("p.optical_sms_number"))),
            (SQL("%s AND p.optical_sms_status = 'blacklist'", sms), "blacklist",
             reason(_("Number on the phone blacklist (STOP): %s"), SQL("p.optical_sms_number"))),
        ]

    @api.model
    def _sms_number_sql(self):
        """SQL on the communication ``c`` and its customer ``p``: the E.164
        number an SMS goes to, NULL when it has none (another channel, no
        usable mobile)."""
        return SQL("CASE WHEN c.channel IN %s AND p.optical_sms_status = 'ok' THEN p.optical_sms_number END",
                   SMS_CHANNELS)

    @api.model
    def _planned_values_sql(self):
        return dict(super()._planned_values_sql(), sms_number=self._sms_number_sql())

    @api.model
    def _apply_contact_rules(self, scope):
        # An SMS that cannot be sent must not take the place of another
        # contact under the contact pressure limit (core's last rule).
        result = super()._apply_contact_rules(scope)
        self._apply_sms_number_rule(scope)
        return result

    @api.model
    def _apply_sms_number_rule(self, scope):
        """The SMS in ``scope`` still ahead, planned or skipped for their
        number (or held out), take the verdict of the rules
        (``_skip_case_sql`` with the number rule, which sits before the
        control group) and their customer's number for sending: one UPDATE,
        only of the rows that change.

        The control group holds only customers the shop could have reached:
        an SMS held out (``holdout``) is skipped for its number when it has
        no usable one; a skipped SMS whose number is usable again goes to
        the state the rules give it (``holdout`` again when the draw holds
        the customer out), never straight to planned past them. A step with
        alternatives has had its channel chosen already (``_decide_channels``)."""
        code, reason = self._skip_case_sql(contact=True)
        state = SQL("CASE WHEN x.code IS NULL THEN 'planned' ELSE 'skipped' END")
        self.env.cr.execute(SQL(
            """UPDATE optical_crm_communication t
                  SET state = %(state)s,
                      skip_code = x.code, skip_reason = x.reason, sms_number = x.number,
                      write_date = NOW() AT TIME ZONE 'UTC'
                 FROM (SELECT c.id, %(code)s AS code, %(reason)s AS reason, %(number)s AS number
                         FROM optical_crm_communication c
                         JOIN res_partner p ON p.id = c.partner_id
                        WHERE c.channel IN %(channels)s AND %(scope)s AND %(pending)s) x
                WHERE t.id = x.id
                  AND (t.state, t.skip_code, t.skip_reason, t.sms_number) IS DISTINCT FROM
                      (%(state)s, x.code, x.reason, x.number)
                  AND %(moves)s""",
            state=state, code=code, reason=reason, number=self._sms_number_sql(), channels=SMS_CHANNELS,
            scope=scope, pending=self._reversible_sql(NUMBER_SKIP_CODES + ("holdout",)),
            moves=state_change_sql(SQL("t.state"), state)))
        if self.env.cr.rowcount:
            self.invalidate_model(["state", "skip_code", "skip_reason", "sms_number"])

    def _sms_number_skip(self, number, mobile, blacklisted):
        """(skip_code, skip_reason) when ``number`` (``normalize_mobile`` of
        ``mobile``) cannot get an SMS, else None: the Python twin of
        ``_sms_number_conditions``."""
        _ = self.env._
        if number.error == "missing":
            return "contact", _("No mobile number")
        if number.error == "invalid":
            return "invalid_number", _("Invalid mobile number: %s", mobile)
        if number.error == "landline":
            return "invalid_number", _("Landline number, it cannot receive SMS: %s", number.e164)
        if number.e164 in blacklisted:
            return "blacklist", _("Number on the phone blacklist (STOP): %s", number.e164)
        return None

    # ------------------------------------------------------------------
    # The personal link
    # ------------------------------------------------------------------

    def _assign_landing_tokens(self):
        """Give every SMS with link its landing page and a personal,
        unguessable token (192 bits from ``secrets``), valid for the page's
        number of days."""
        now = fields.Datetime.now()
        communications = self.sudo()
        pages = communications.grouped(
            lambda c: c.landing_page_id or (c.cycle_step_id or c.campaign_step_id).landing_page_id)
        for page, with_page in pages.items():
            with_page.write({"landing_page_id": page.id,
                             "landing_expiry": now + datetime.timedelta(days=page.validity_days or 30)})
        communications._write_per_row(["landing_token"], [
            (communication.id, secrets.token_urlsafe(24)) for communication in communications
            if not communication.landing_token])

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def _send_sms(self):
        """Hand the due SMS to Odoo's ``sms.sms`` queue, in this transaction.

        Each communication ends ``sent`` (its SMS is queued and linked; the
        gateway's answer and delivery reports move it on), or ``failed`` with
        its reason (an SMS with link whose step has no landing page).
        """
        self._optical_read_unread_numbers()
        self._apply_sms_number_rule(SQL("c.id IN %s AND c.sms_number IS NULL", tuple(self.ids)))
        communications = self.filtered(lambda c: c.state == "planned" and c.sms_number)
        links = communications.filtered(lambda c: c.channel == "sms_link")
        no_page = links.filtered(lambda c: not (c.landing_page_id or c.cycle_step_id.landing_page_id
                                                or c.campaign_step_id.landing_page_id))
        no_page._mark_failed(self.env._("Landing page: the step of this SMS with link has none"))
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
            updates.append((subject, body, length.encoding, length.segments,
                            length.segments * communication.company_id.optical_sms_cost_per_segment))
        sms_records = self.env["sms.sms"].sudo()._optical_create_outgoing(vals_list)
        # Texts, cost, SMS and state: one UPDATE for the batch.
        communications._mark_sent(per_row=(
            ["subject", "body", "sms_encoding", "sms_segments", "sms_cost", "sms_id", "sms_reference"],
            [(communication.id, *values, sms.id, sms.uuid)
             for communication, sms, values in zip(communications, sms_records, updates, strict=True)]))
        # Wake Odoo's SMS queue up now rather than at its next hourly run.
        self.env.ref("sms.ir_cron_sms_scheduler_action").sudo()._trigger()
        return sms_records

    def _optical_read_unread_numbers(self):
        """Customers of these communications written behind the ORM's back
        (an import in SQL) have no SMS status yet: their numbers are read now,
        so that the number rule decides on them instead of leaving the SMS
        planned."""
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT DISTINCT c.partner_id FROM optical_crm_communication c
                 JOIN res_partner p ON p.id = c.partner_id
                WHERE c.id IN %s AND p.optical_sms_status IS NULL""", tuple(self.ids) or (0,)))
        if partner_ids := [row[0] for row in self.env.cr.fetchall()]:
            self.env["res.partner"]._optical_sms_fill(partner_ids)

    def _sms_update_from_delivery(self, sms_state, reason=False):
        """Reflect the gateway's answer or a delivery report on the ledger:
        delivered → done (also after a failure: an SMS whose answer timed out
        may have been delivered all the same), error → failed with the
        reason; late or repeated reports never move a communication back."""
        if sms_state == "sent":
            self.filtered(lambda c: c.state in ("sent", "failed"))._mark_done(
                failure_reason=False, outcome_date=fields.Datetime.now())
        elif sms_state == "error":
            self.filtered(lambda c: c.state == "sent")._mark_failed(reason)

    def _sms_withdrawn(self, skip_code, reason):
        """The queued SMS of these communications was cancelled before it went
        out (STOP, consent withdrawn): they are cancelled with the reason."""
        self.filtered(lambda c: c.state == "sent")._mark_cancelled(reason, skip_code)
