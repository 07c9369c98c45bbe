import datetime
import logging
import uuid

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from odoo.addons.optical_crm.models.optical_crm_batch_mixin import may_commit
from odoo.addons.optical_crm.tools.phone import normalize_mobile

_logger = logging.getLogger(__name__)

# Where a message is on its way, forward only: a late or repeated status never
# moves it back. ``queued``: handed over by the sender; ``posting``: claimed
# and (perhaps) posted, outcome not known yet; ``accepted``: Meta answered
# with its message id; then Meta's statuses.
WHATSAPP_STATES = [
    ("queued", "Queued"), ("posting", "Posting"), ("accepted", "Accepted by Meta"), ("sent", "Sent"),
    ("delivered", "Delivered"), ("read", "Read"), ("failed", "Failed"),
]
# Claims that meet another transaction's change, retried before the run gives up.
MAX_CLAIM_CONFLICTS = 10
RANK = {state: rank for rank, (state, _label) in enumerate(WHATSAPP_STATES)}


class OpticalCrmCommunicationWhatsapp(models.Model):
    """WhatsApp delivery: the sender queues the message (``_send_whatsapp``),
    the poster's cron posts it to the Cloud API (``_cron_whatsapp_post``),
    and Meta's statuses move it on (``_whatsapp_apply_status``).

    Exactly once although the Cloud API de-duplicates nothing: a message is
    claimed (``posting``, committed) before it is posted, so a second
    poster never takes it; a message whose outcome is unknown (a crash
    between the call and its commit, a timeout) is posted again, with the
    same reference, only when no status naming that reference has arrived
    within ``optical_crm_whatsapp.unknown_outcome_wait`` seconds."""

    _inherit = "optical.crm.communication"

    whatsapp_template_id = fields.Many2one("optical.crm.whatsapp.template", "WhatsApp template",
                                           ondelete="set null", copy=False, readonly=True)
    whatsapp_state = fields.Selection(WHATSAPP_STATES, "WhatsApp status", copy=False, readonly=True,
                                      index="btree_not_null")
    whatsapp_reference = fields.Char(
        "WhatsApp reference", copy=False, readonly=True, index="btree_not_null",
        help="Sent to Meta in biz_opaque_callback_data; never changes across retries, Meta's statuses name it.")
    whatsapp_number = fields.Char("WhatsApp number", copy=False, readonly=True)
    whatsapp_message_id = fields.Char("WhatsApp message id", copy=False, readonly=True, index="btree_not_null")
    whatsapp_posted_at = fields.Datetime("Posted to Meta at", copy=False, readonly=True)
    whatsapp_next_attempt = fields.Datetime(copy=False, readonly=True)
    whatsapp_cost = fields.Float("WhatsApp cost", digits=(12, 4), copy=False, readonly=True,
                                 help="The shop's price of a message of the template's category.")

    _sql_constraints = [
        ("whatsapp_reference_unique", "UNIQUE(whatsapp_reference)", "A WhatsApp reference is unique."),
    ]

    # ------------------------------------------------------------------
    # The sender: queue
    # ------------------------------------------------------------------

    def _whatsapp_shop_template(self):
        """The approved template of the step on this communication's shop's
        account (same name and language), or an empty recordset."""
        self.ensure_one()
        step_template = (self.cycle_step_id or self.campaign_step_id).sudo().whatsapp_template_id
        if not step_template:
            return step_template
        # sudo: the product's own lookup of the shop's account, whoever sends.
        return self.env["optical.crm.whatsapp.template"].sudo().search([
            ("name", "=", step_template.name), ("language", "=", step_template.language),
            ("account_id.company_id", "=", self.company_id.id), ("account_id.active", "=", True),
            ("status", "=", "approved")], limit=1)

    def _send_whatsapp(self):
        """Queue the due WhatsApp messages, in this transaction: each one is
        ``sent`` (queued with its number, template, texts, cost and its
        reference) or skipped/failed with its reason; the poster's cron
        posts them right after."""
        _ = self.env._
        queued = self.browse()
        rows = []
        for communication in self:
            company = communication.company_id
            number = normalize_mobile(communication.partner_id.mobile, company.partner_id.country_id.code or "IT")
            if number.error:
                communication._mark_skipped("contact", _("No usable mobile number for WhatsApp: %s",
                                                         communication.partner_id.mobile or "-"))
                continue
            template = communication._whatsapp_shop_template()
            if not template:
                communication._mark_skipped("whatsapp_template", _(
                    "WhatsApp template not approved on the shop's account (paused, rejected or disabled by Meta)"))
                continue
            try:
                template._button_components(communication)
            except ValidationError as error:
                communication._mark_failed(error.args[0])
                continue
            queued |= communication
            rows.append((communication, number.e164, template))
        if not queued:
            return queued
        bodies = {}
        for communication, _number, template in rows:
            bodies[communication.id] = template._render_body(communication)
        queued._mark_sent(per_row=(
            ["body", "whatsapp_number", "whatsapp_template_id", "whatsapp_reference", "whatsapp_state",
             "whatsapp_cost"],
            [(communication.id, bodies[communication.id], number, template.id,
              communication.whatsapp_reference or uuid.uuid4().hex, "queued", template._message_cost())
             for communication, number, template in rows]))
        # Post now rather than at the poster's next run.
        self.env.ref("optical_crm_whatsapp.ir_cron_whatsapp_post").sudo()._trigger()
        return queued

    # ------------------------------------------------------------------
    # The poster
    # ------------------------------------------------------------------

    @api.model
    def _whatsapp_due_sql(self, now):
        wait = self.env["ir.config_parameter"]._optical_param("optical_crm_whatsapp.unknown_outcome_wait")
        return SQL(
            """t.channel = 'whatsapp' AND t.state = 'sent' AND (
                 (t.whatsapp_state = 'queued' AND (t.whatsapp_next_attempt IS NULL OR t.whatsapp_next_attempt <= %s))
                 OR (t.whatsapp_state = 'posting' AND t.whatsapp_posted_at <= %s))""",
            now, now - datetime.timedelta(seconds=wait))

    @api.model
    def _cron_whatsapp_post(self, max_batches=None):
        """Post the queued messages: claim a locked batch (``posting``,
        committed), then post each and record Meta's answer (committed per
        message). Returns the number of messages posted."""
        Param = self.env["ir.config_parameter"]
        batch_size = Param._optical_param("optical_crm_whatsapp.batch_size")
        posted = batches = conflicts = 0
        apis = {}
        seen = set()
        try:
            while max_batches is None or batches < max_batches:
                try:
                    claimed = self._whatsapp_claim_due(batch_size)
                except psycopg2.errors.SerializationFailure:
                    # Another poster or a status changed a row while this one looked:
                    # nothing was claimed; look again in a fresh transaction.
                    if not may_commit(self.env) or conflicts >= MAX_CLAIM_CONFLICTS:
                        raise
                    conflicts += 1
                    self.env.cr.rollback()
                    continue
                if not claimed or seen.issuperset(claimed):
                    # Nothing due, or only messages this run posted (a wait of 0): the next run takes them.
                    break
                seen.update(claimed)
                batches += 1
                for communication in self.sudo().browse(claimed):
                    communication._whatsapp_post(apis)
                    posted += 1
                    if may_commit(self.env):
                        # Meta's answer is recorded before the next post: a crash loses at most one outcome.
                        self.env.cr.commit()  # pylint: disable=invalid-commit
        finally:
            for api_client in apis.values():
                api_client.close()
        return posted

    @api.model
    def _whatsapp_claim_due(self, batch_size):
        """Claim one locked batch of due messages (committed by core's loop
        outside tests); returns their ids."""
        claimed = []
        self._process_locked_batches(self._whatsapp_due_sql(fields.Datetime.now()),
                                     lambda communications: claimed.extend(communications._whatsapp_claim()),
                                     batch_size, max_batches=1)
        return claimed

    def _whatsapp_claim(self):
        """Mark these messages ``posting`` now; returns their ids."""
        self._write_per_row(["whatsapp_state", "whatsapp_posted_at"], [
            (communication.id, "posting", fields.Datetime.now()) for communication in self])
        self.invalidate_recordset(["whatsapp_state", "whatsapp_posted_at"])
        return self.ids

    def _whatsapp_post(self, apis):
        """Post one claimed message and record the outcome, unless a status
        naming it arrived meanwhile (then it was sent)."""
        self.ensure_one()
        self.env.cr.execute(SQL(
            "SELECT whatsapp_state FROM optical_crm_communication WHERE id = %s FOR UPDATE", self.id))
        if self.env.cr.fetchone()[0] != "posting" or self.state != "sent":
            return
        template = self.whatsapp_template_id
        account = template.account_id
        if template.status != "approved" or not account.active:
            self._whatsapp_failed(self.env._(
                "WhatsApp template %(template)s is %(status)s at Meta: the message was not posted.",
                template=template.name, status=dict(template._fields["status"]._description_selection(self.env))
                .get(template.status, template.status)))
            return
        api_client = apis.get(account.id) or apis.setdefault(account.id, account._cloud_api())
        try:
            payload = template._payload(self, self.whatsapp_number, self.whatsapp_reference)
        except ValidationError as error:
            # The link a button opens is gone since the message was queued.
            self._whatsapp_failed(error.args[0])
            return
        outcome, message_id, reason = api_client.post_message(account.phone_number_id, payload)
        _logger.info("WhatsApp: communication %s posted: %s %s", self.id, outcome, reason)
        if outcome == "ok":
            self._whatsapp_advance("accepted", whatsapp_message_id=message_id)
        elif outcome == "rejected":
            self._whatsapp_failed(self.env._("WhatsApp refused the message: %s", reason))
        elif outcome == "retry_later":
            delay = self.env["ir.config_parameter"]._optical_param("optical_crm_whatsapp.retry_delay")
            self._write_per_row(["whatsapp_state", "whatsapp_next_attempt", "failure_reason"], [
                (self.id, "queued", fields.Datetime.now() + datetime.timedelta(seconds=delay), reason[:200])],
                where=SQL("t.whatsapp_state = 'posting'"))
            self.invalidate_recordset()
        # "unknown": stays ``posting``; posted again after the wait unless a status names it.

    # ------------------------------------------------------------------
    # Meta's statuses
    # ------------------------------------------------------------------

    def _whatsapp_advance(self, whatsapp_state, **values):
        """Move the WhatsApp status forward only (a repeated or late status changes nothing)."""
        self.ensure_one()
        values = {key: value for key, value in values.items() if value and not self[key]}
        if RANK[whatsapp_state] <= RANK.get(self.whatsapp_state, -1):
            if values:
                self.sudo().write(values)
            return False
        # The product's own bookkeeping of Meta's report.
        self.sudo().write(dict(values, whatsapp_state=whatsapp_state))
        return True

    def _whatsapp_failed(self, reason):
        self._whatsapp_advance("failed")
        self._mark_failed(reason)

    @api.model
    def _whatsapp_apply_status(self, account, status):
        """One status of Meta's webhook (``id``, ``status``,
        ``biz_opaque_callback_data``, ``errors``) on the message it names, in
        the account's shop: exactly once, forward only. Returns the
        communication, or an empty recordset for an unknown message."""
        reference = status.get("biz_opaque_callback_data")
        message_id = status.get("id")
        domain = [("whatsapp_reference", "=", reference)] if reference else [("whatsapp_message_id", "=", message_id)]
        communication = self.sudo().search(domain + [("company_id", "=", account.company_id.id)], limit=1)
        if not communication or not (reference or message_id):
            return self.browse()
        # One status at a time per message: Meta retries, and sends several at once.
        self.env.cr.execute(SQL("SELECT id FROM optical_crm_communication WHERE id = %s FOR UPDATE",
                                communication.id))
        communication.invalidate_recordset()
        state = status.get("status")
        if state in ("sent", "delivered", "read"):
            communication._whatsapp_advance(state, whatsapp_message_id=message_id)
            if state in ("delivered", "read"):
                communication._mark_done(failure_reason=False, outcome_date=fields.Datetime.now())
        elif state == "failed":
            errors = status.get("errors") or [{}]
            error = errors[0] if isinstance(errors[0], dict) else {}
            reason = " ".join(str(part) for part in (
                error.get("title"), (error.get("error_data") or {}).get("details"),
                "(%s)" % error["code"] if error.get("code") else "") if part)
            if communication.whatsapp_state not in ("delivered", "read", "failed"):
                communication._whatsapp_advance("failed", whatsapp_message_id=message_id)
                communication._mark_failed(self.env._("WhatsApp: %s", reason or "failed"))
        return communication
