import datetime
import logging
import time

import psycopg2

from odoo import api, fields, models, tools
from odoo.tools import SQL, mute_logger

from odoo.addons.optical_crm.models.optical_crm_batch_mixin import failure_text, may_commit
from odoo.addons.optical_crm.tools.set_based import insert_rows, plain_columns, update_same

from ..tools.sms_gateway import HttpSmsGateway

_logger = logging.getLogger(__name__)

# Gateway outcomes that say nothing about the SMS itself (the gateway was
# down, slow or overloaded): the SMS stays queued, same reference, and is
# tried again later until the retry deadline.
RETRY_LATER = frozenset({"timeout", "server_error", "connection_error"})
# sms.sms states in the order an SMS goes through them: a gateway answer or a
# delivery report only ever moves an SMS forward (a late "accepted" never
# undoes "delivered"; "delivered" after an error is a success all the same).
STATE_RANK = {"outgoing": 0, "process": 1, "pending": 2, "error": 3, "sent": 4, "canceled": 5}
MAX_RETRY_DELAY_MINUTES = 60


class SmsSms(models.Model):
    """Odoo's SMS queue with a pluggable provider: the system parameter
    ``optical_crm_sms.provider`` = ``http`` routes ``_send`` to the shop's
    HTTP gateway (``tools/sms_gateway.py``); anything else keeps Odoo's IAP."""

    _inherit = "sms.sms"

    # Gateway answers and delivery report statuses → sms.sms states, as Odoo maps IAP's.
    HTTP_TO_SMS_STATE_SUCCESS = {
        "accepted": "pending",
        "queued": "pending",
        "sent": "pending",
        "buffered": "pending",
        "delivered": "sent",
    }
    HTTP_TO_SMS_FAILURE_TYPE = {
        "timeout": "sms_server",
        "server_error": "sms_server",
        "connection_error": "sms_server",
        "invalid": "sms_number_missing",
        "rejected": "unknown",
        "failed": "unknown",
        "undelivered": "unknown",
        "not_delivered": "unknown",
        "expired": "unknown",
    }

    optical_communication_id = fields.Many2one(
        "optical.crm.communication", "Communication", index="btree_not_null", ondelete="set null", readonly=True)
    optical_attempts = fields.Integer(
        "Gateway attempts", readonly=True, copy=False,
        help="Sending attempts the gateway did not answer (timeout, server or connection error).")
    optical_first_failure = fields.Datetime("First failed attempt", readonly=True, copy=False)
    optical_next_attempt = fields.Datetime(
        "Next attempt", readonly=True, copy=False, index="btree_not_null",
        help="After a failed attempt, the SMS stays in the queue and is not sent again before this time.")

    @api.model
    def _optical_create_outgoing(self, vals_list):
        """Create SMS as :meth:`create` does, in one ``INSERT … SELECT FROM
        unnest``, for the sender's batches: one ``default_get`` for the batch
        instead of one per SMS (each SMS its own ``uuid`` from the field's
        default), access rights and record rules, the new records marked
        created (``modified``), the constraints. When a module overrides
        ``create`` of ``sms.sms``, or a value is not a plain column
        (``set_based.plain_columns``), ``create`` does it. Held to
        ``create`` field by field by ``tests/test_sms_odoo_contract.py``."""
        if not vals_list:
            return self.browse()
        if type(self).create is not models.BaseModel.create or not plain_columns(
                self, {name for vals in vals_list for name in vals}):
            return self.create(vals_list)
        self = self.browse()
        self.check_access("create")
        missing = [name for name, field in self._fields.items() if any(name not in vals for vals in vals_list)]
        defaults = {name: value for name, value in self.default_get(missing).items()
                    if self._fields[name].column_type}
        uuid = self._fields["uuid"]
        self.env.cr.execute(SQL("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
                                self._table, len(vals_list)))
        ids = [row[0] for row in self.env.cr.fetchall()]
        rows = [dict(defaults, **({"uuid": uuid.default(self)} if "uuid" not in vals else {}), **vals)
                for vals in vals_list]
        columns = insert_rows(self, ids, rows)
        records = self.browse(ids)
        records.modified(self._fields, create=True)
        records._validate_fields(columns)
        records.check_access("create")
        return records

    def _optical_write_same(self, vals):
        """``write(vals)`` for the queue's state changes, in one ``UPDATE …
        WHERE id = ANY`` (Odoo's flush sends a row of values per SMS, in
        statements of 100): access rights and record rules, the log columns,
        what depends on the fields marked modified, the constraints. When a
        module overrides ``write`` of ``sms.sms``, or a value is not a plain
        column (``set_based.plain_columns``, a many2one neither), or there is
        none, ``write`` does it. Held to ``write`` field by field by
        ``tests/test_sms_odoo_contract.py``."""
        if not self:
            return True
        if not vals or type(self).write is not models.BaseModel.write or not plain_columns(
                self, vals, many2one=False):
            return self.write(vals)
        self.check_access("write")
        self.check_field_access_rights("write", vals.keys())
        # Pending ORM writes of these SMS go first, so that they do not overwrite these values.
        self.flush_recordset()
        update_same(self, vals)
        self.invalidate_recordset([*vals, "write_uid", "write_date"])
        self.modified(vals)
        self._validate_fields(vals)
        return True

    @api.model
    def _optical_provider(self):
        return self.env["ir.config_parameter"]._optical_param("optical_crm_sms.provider")

    @api.model
    def _optical_gateway(self):
        param = self.env["ir.config_parameter"]._optical_param
        return HttpSmsGateway(
            param("optical_crm_sms.gateway_url"),
            param("optical_crm_sms.gateway_api_key"),
            timeout=param("optical_crm_sms.gateway_timeout"),
            retries=param("optical_crm_sms.gateway_retries"),
            backoff=param("optical_crm_sms.gateway_backoff"),
            batch_size=param("optical_crm_sms.gateway_batch_size"),
            workers=param("optical_crm_sms.gateway_workers"),
        )

    @api.model
    def _process_queue(self, ids=None):
        """Odoo's queue run, taking only what may go now: not an SMS of a shop
        whose sending window is closed, not one waiting for its next attempt,
        oldest first. (Odoo takes the newest 10,000 outgoing SMS, held ones
        included: a closed shop's queue starved the open ones.)"""
        now = fields.Datetime.now()
        closed = self.env["res.company"].sudo().search([]).filtered(  # pylint: disable=no-search-all
            lambda c: not c._optical_in_send_window(now))
        domain = [("state", "=", "outgoing"), ("to_delete", "!=", True),
                  "|", ("optical_next_attempt", "=", False), ("optical_next_attempt", "<=", now)]
        if closed:
            domain += ["|", ("optical_communication_id", "=", False),
                       ("optical_communication_id.company_id", "not in", closed.ids)]
        due_ids = self.search(domain, limit=10000, order="id").ids
        if ids:
            due_ids = [sms_id for sms_id in due_ids if sms_id in set(ids)]
        try:
            # Commit per gateway session, except in tests (as Odoo does).
            auto_commit = may_commit(self.env)
            return self.browse(due_ids).send(unlink_failed=False, unlink_sent=True, auto_commit=auto_commit,
                                             raise_exception=False)
        except Exception:  # noqa: BLE001 - as Odoo's queue: a failed run is logged, the next run goes on
            _logger.exception("Failed processing SMS queue")
            return None

    def send(self, *args, **kwargs):
        queued = self.filtered(lambda sms: sms.state == "outgoing" and not sms.to_delete)
        # STOP or consent withdrawn while the SMS waited in the queue: it is
        # cancelled, not sent. The HTTP gateway's sessions check it for each
        # session (``_send``), just before posting; Odoo's IAP does not.
        withdrawn = queued._optical_withdrawn_safely() if self._optical_provider() != "http" else self.browse()
        # Quiet hours: an SMS of a shop whose sending window is closed stays in
        # the queue for the next window, even if the queue runs now. An SMS
        # waiting for its next attempt waits.
        now = fields.Datetime.now()
        waiting = queued.filtered(lambda sms: sms.optical_next_attempt and sms.optical_next_attempt > now)
        due = self - withdrawn - waiting - queued._optical_outside_window(now)
        return super(SmsSms, due).send(*args, **kwargs)

    def _optical_outside_window(self, now):
        """Those of these SMS whose shop's sending window is closed at
        ``now``: their shops read in one query (the queue run looks at
        10,000 SMS at a time), each shop's window looked at once."""
        optical = self.filtered("optical_communication_id")
        if not optical:
            return self.browse()
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT s.id, c.company_id FROM sms_sms s JOIN optical_crm_communication c
                   ON c.id = s.optical_communication_id WHERE s.id IN %s""", tuple(optical.ids)))
        shops = dict(self.env.cr.fetchall())
        closed = self._optical_closed_shops(set(shops.values()), now)
        return self.browse([sms_id for sms_id, company_id in shops.items() if company_id in closed])

    @api.model
    def _optical_closed_shops(self, company_ids, now):
        """The ids of the shops among ``company_ids`` whose sending window is closed at ``now``."""
        # Each shop's sending window, read for the queue's own bookkeeping: the
        # SMS are already the caller's, only whether they may go now is decided.
        companies = self.env["res.company"].sudo().browse(sorted(company_ids))
        return set(companies.filtered(lambda company: not company._optical_in_send_window(now)).ids)

    def _optical_cancel_withdrawn(self):
        """Cancel the queued SMS of the shop's customers that may no longer
        get them: the number is on the phone blacklist (STOP) or a rule of the
        ledger now skips the contact (consent withdrawn). Returns them.

        One query over the SMS, their communications and customers: the
        SMS that may go (nearly all) are not read into the ORM."""
        optical = self.filtered("optical_communication_id")
        if not optical:
            return self.browse()
        self.env.flush_all()
        code, reason = self.env["optical.crm.communication"]._skip_case_sql()
        # A CASE of subqueries per row: estimated costly, it would be compiled
        # (JIT) for far longer than it runs. For this transaction only.
        self.env.cr.execute("SET LOCAL jit = off")
        self.env.cr.execute(SQL(
            """SELECT s.id, bl.id IS NOT NULL, x.code, x.reason
                 FROM sms_sms s
                 JOIN LATERAL (SELECT %(code)s AS code, %(reason)s AS reason
                                 FROM optical_crm_communication c JOIN res_partner p ON p.id = c.partner_id
                                WHERE c.id = s.optical_communication_id) x ON TRUE
                 LEFT JOIN phone_blacklist bl ON bl.active AND bl.number = s.number
                WHERE s.id IN %(ids)s AND (bl.id IS NOT NULL OR x.code IS NOT NULL)""",
            code=code, reason=reason, ids=tuple(optical.ids)))
        rows = self.env.cr.fetchall()
        stopped = self.browse([sms_id for sms_id, blacklisted, _code, _reason in rows if blacklisted])
        stopped._optical_cancel("sms_blacklist", "blacklist", self.env._(
            "Number on the phone blacklist (STOP) when the SMS was to be sent"))
        withdrawn = self.browse()
        for (skip_code, skip_reason), group in tools.groupby(
                [row for row in rows if not row[1]], key=lambda row: (row[2], row[3])):
            sms = self.browse([row[0] for row in group])
            sms._optical_cancel("sms_optout", skip_code, skip_reason)
            withdrawn |= sms
        return stopped | withdrawn

    def _optical_cancel(self, failure_type, skip_code, reason):
        """Cancel these queued SMS (never sent), and their communications with the reason."""
        if not self:
            return
        self.sms_tracker_id._action_update_from_sms_state("canceled", failure_type=failure_type)
        self.write({"state": "canceled", "failure_type": failure_type})
        self.optical_communication_id._sms_withdrawn(skip_code, reason)
        _logger.info("SMS queue: %s SMS cancelled before sending: %s", len(self), reason)

    def _split_batch(self):
        if self._optical_provider() != "http":
            yield from super()._split_batch()
            return
        # One commit per gateway session: as many SMS as the gateway's workers
        # send side by side, so that a crash or a time limit costs one session.
        param = self.env["ir.config_parameter"]._optical_param
        size = min(int(self.env["ir.config_parameter"].sudo().get_param("sms.session.batch.size", 500)),
                   param("optical_crm_sms.gateway_batch_size") * param("optical_crm_sms.gateway_workers"))
        yield from tools.split_every(max(size, 1), self.ids)

    def _send(self, unlink_failed=False, unlink_sent=True, raise_exception=False):
        if self._optical_provider() != "http":
            return super()._send(unlink_failed=unlink_failed, unlink_sent=unlink_sent, raise_exception=raise_exception)
        batch = self._optical_lock()
        # Checked for each session, just before posting: a STOP or a withdrawn
        # consent since the SMS was queued cancels it.
        batch -= batch._optical_withdrawn_safely()
        if not batch:
            return None
        messages = batch._optical_messages()
        # A session ends in time to commit what it sent (the rest waits for the next one).
        deadline = time.monotonic() + self.env["ir.config_parameter"]._optical_param(
            "optical_crm_sms.session_seconds")
        try:
            results = self._optical_gateway().send_batch(messages, deadline=deadline)
        except Exception as error:  # noqa: BLE001 - a misconfigured gateway fails the batch, never the queue
            _logger.warning("SMS gateway: batch of %s SMS failed: %s", len(batch), error)
            if raise_exception:
                raise
            results = [(sms.uuid, "invalid" if isinstance(error, ValueError) else "connection_error", str(error))
                       for sms in batch]
        batch._optical_record_results(results, unlink_failed=unlink_failed, unlink_sent=unlink_sent)
        return None

    def _optical_messages(self):
        """The gateway's messages for these SMS, read in one query; the
        sender is worked out once per campaign and shop."""
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT s.number, s.body, s.uuid, c.campaign_id, c.company_id
                 FROM sms_sms s LEFT JOIN optical_crm_communication c ON c.id = s.optical_communication_id
                WHERE s.id IN %s ORDER BY s.id""", tuple(self.ids) or (0,)))
        rows = self.env.cr.fetchall()
        Communication = self.env["optical.crm.communication"]
        senders = {}
        for *_message, campaign_id, company_id in rows:
            if (campaign_id, company_id) not in senders:
                senders[campaign_id, company_id] = Communication._optical_sms_sender_of(
                    self.env["optical.crm.campaign"].browse(campaign_id),
                    self.env["res.company"].browse(company_id) if company_id else self.env.company)
        return [{"to": number, "text": body, "sender": senders[campaign_id, company_id], "reference": uuid}
                for number, body, uuid, campaign_id, company_id in rows]

    def _optical_record_results(self, results, unlink_failed=False, unlink_sent=True):
        """Record the gateway's answers on these SMS, each SMS on its own
        should the session's bookkeeping fail (core's batch isolation): one
        SMS Odoo cannot handle is in error with the reason, never posted
        again, and the others go on. When a concurrent transaction makes the
        bookkeeping fail (a deadlock or serialization failure with a delivery
        report, raised and rolled back by the isolation), the gateway has the
        SMS but Odoo has not recorded its answers: their outcome is unknown,
        as after a crash (:meth:`_optical_outcome_unknown`)."""
        try:
            self.env["optical.crm.communication"]._process_isolated(
                self.sudo(),
                lambda sms: sms._optical_apply_results(results, unlink_failed=unlink_failed, unlink_sent=unlink_sent),
                self._optical_refused)
        except psycopg2.OperationalError as error:
            posted = {reference for reference, state, _detail in results if state not in ("not_sent", "invalid")}
            try:
                with self.env.cr.savepoint():
                    # The SMS of this session, as their bookkeeping above.
                    self.sudo().filtered(lambda sms: sms.uuid in posted)._optical_outcome_unknown(error)
            except psycopg2.Error:
                raise error from None

    def _optical_outcome_unknown(self, error):
        """These SMS were posted but their outcome could not be recorded: they
        stay queued with the same reference and wait for the first retry
        delay, so that the delivery report, applied meanwhile, settles them
        first. Without it they are posted again (the gateway drops a
        reference it already has)."""
        if not self:
            return
        _logger.warning("SMS gateway: %s SMS posted but not recorded (%s); kept in the queue, not posted again "
                        "before their delivery report or the retry delay", len(self), error)
        self.write({"optical_next_attempt": fields.Datetime.now() + datetime.timedelta(
            minutes=self._optical_retry_delay(1))})

    def _optical_withdrawn_safely(self):
        """:meth:`_optical_cancel_withdrawn`, each SMS on its own should the
        check fail for the batch: an SMS that cannot be checked is in error
        (never sent unchecked). Returns the SMS withdrawn or in error."""
        done = self.browse()
        # Only the shop's SMS are checked: Odoo's own SMS go as Odoo sends them.
        optical = self.filtered("optical_communication_id")
        for withdrawn in self.env["optical.crm.communication"]._process_isolated(
                optical, lambda sms: sms._optical_cancel_withdrawn(), self._optical_refused):
            done |= withdrawn
        return done | optical.filtered(lambda sms: sms.state == "error")

    @api.model
    def _optical_refused(self, sms, error):
        """Odoo could not handle this SMS (not the gateway: a bug or a
        constraint of its bookkeeping): it is in error with the reason, so
        that it is not posted again, and so is its communication if it can be."""
        reason = failure_text(self.env, error)
        sms.write({"state": "error", "failure_type": "unknown", "optical_next_attempt": False})
        self.env["optical.crm.communication"]._run_isolated(
            sms.optical_communication_id._sms_update_from_delivery, "error", reason)

    def _optical_lock(self):
        """Lock these SMS for this gateway session, before the gateway is
        called: only those still queued and due, that no other worker holds.
        A delivery report for one of them waits for the session's commit
        (and Odoo retries it then), instead of making the session's final
        writes fail and the whole session go out again."""
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                self.env.cr.execute(SQL(
                    """SELECT id FROM sms_sms
                        WHERE id IN %s AND state = 'outgoing' AND to_delete IS NOT TRUE
                          AND (optical_next_attempt IS NULL OR optical_next_attempt <= %s)
                        ORDER BY id FOR UPDATE SKIP LOCKED""",
                    tuple(self.ids) or (0,), fields.Datetime.now()))
                ids = [row[0] for row in self.env.cr.fetchall()]
        except psycopg2.errors.SerializationFailure:
            # Another worker sent some of them since this run began: the
            # next session (a fresh snapshot) takes whatever is left.
            _logger.info("SMS queue: %s SMS changed by another worker, left for the next session", len(self))
            return self.browse()
        self.invalidate_recordset()
        return self.browse(ids)

    def _optical_apply_results(self, results, unlink_failed=False, unlink_sent=True):
        """Write the gateway's answers (reference, state, detail) on the SMS,
        their trackers and their communications, one write per state. An SMS
        the gateway did not answer stays queued for a later attempt."""
        by_uuid = {sms.uuid: sms for sms in self.with_context(sms_skip_msg_notification=True)}
        for (state, detail), group in tools.groupby(results, key=lambda result: (result[1], result[2])):
            if state == "not_sent":
                continue  # not posted: still queued as it was, for the next session
            sms = self.browse([by_uuid[result[0]].id for result in group if result[0] in by_uuid])
            sms = sms.with_context(sms_skip_msg_notification=True)
            if state in RETRY_LATER:
                sms = sms._optical_retry_later(state, detail)
            sms._optical_set_state(state, detail, unlink_failed=unlink_failed, unlink_sent=unlink_sent)
        self.mail_message_id._notify_message_notification_update()

    def _optical_retry_later(self, state, detail):
        """Keep these SMS queued (same reference) for another attempt, later
        each time; returns those past the retry deadline
        (``optical_crm_sms.retry_hours`` after the first failure), to fail."""
        hours = self.env["ir.config_parameter"]._optical_param("optical_crm_sms.retry_hours")
        now = fields.Datetime.now()
        deadline = datetime.timedelta(hours=hours)
        expired = self.filtered(lambda sms: sms.optical_first_failure and now >= sms.optical_first_failure + deadline)
        for (attempts, first), group in (self - expired).grouped(
                lambda sms: (sms.optical_attempts + 1, sms.optical_first_failure or now)).items():
            group.write({"optical_attempts": attempts, "optical_first_failure": first,
                         "optical_next_attempt": now + datetime.timedelta(minutes=self._optical_retry_delay(attempts))})
        for attempts, group in expired.grouped(lambda sms: sms.optical_attempts + 1).items():
            group.write({"optical_attempts": attempts})
        if self - expired:
            _logger.info("SMS gateway: %s SMS kept in the queue after %s (%s)", len(self - expired), state, detail)
        return expired

    @api.model
    def _optical_retry_delay(self, attempts):
        """Minutes before attempt ``attempts + 1``: 1, 2, 4… up to an hour."""
        return min(2 ** (max(attempts, 1) - 1), MAX_RETRY_DELAY_MINUTES)

    def _optical_forward(self, state):
        """Those of these SMS that ``state`` moves forward (:data:`STATE_RANK`)."""
        rank = STATE_RANK[state]
        return self.filtered(lambda sms: STATE_RANK.get(sms.state, 0) < rank)

    def _optical_set_state(self, provider_state, detail=False, unlink_failed=False, unlink_sent=False):
        if success_state := self.HTTP_TO_SMS_STATE_SUCCESS.get(provider_state):
            moved = self._optical_forward(success_state)
            moved.sms_tracker_id._action_update_from_sms_state(success_state)
            moved._optical_write_same({"state": success_state, "failure_type": False, "to_delete": unlink_sent,
                                       "optical_next_attempt": False})
            moved.optical_communication_id._sms_update_from_delivery(success_state)
            return success_state
        failure_type = self.HTTP_TO_SMS_FAILURE_TYPE.get(provider_state, "unknown")
        moved = self._optical_forward("error")
        if failure_type != "unknown":
            moved.sms_tracker_id._action_update_from_sms_state("error", failure_type=failure_type)
        else:
            moved.sms_tracker_id._action_update_from_provider_error(provider_state)
        moved._optical_write_same({"state": "error", "failure_type": failure_type, "to_delete": unlink_failed,
                                   "optical_next_attempt": False})
        reason = self.env._("SMS gateway: %(state)s", state=provider_state)
        if detail:
            reason = "%s (%s)" % (reason, detail)
        moved.optical_communication_id._sms_update_from_delivery("error", reason)
        return "error"

    @api.model
    def _optical_delivery_report(self, reference, status):
        """Apply one delivery report; returns the new state, or ``None`` for
        an unknown reference."""
        communications = self.env["optical.crm.communication"].sudo().search([("sms_reference", "=", reference)])
        sms = self.sudo().search([("uuid", "=", reference)])
        if not communications and not sms:
            return None
        if sms:
            state = sms._optical_set_state(status, unlink_failed=sms.to_delete, unlink_sent=sms.to_delete)
            sms.mail_message_id._notify_message_notification_update()
            return state
        # The SMS itself was already garbage-collected: the ledger still is.
        if state := self.HTTP_TO_SMS_STATE_SUCCESS.get(status):
            communications._sms_update_from_delivery(state)
            return state
        communications._sms_update_from_delivery(
            "error", self.env._("SMS gateway: %(state)s", state=status))
        return "error"
