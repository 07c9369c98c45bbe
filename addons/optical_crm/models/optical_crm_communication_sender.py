import logging

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.rendering_tools import parse_inline_template

from ..tools.channels import CORE_CHANNELS
from .optical_crm_batch_mixin import failure_text

_logger = logging.getLogger(__name__)


class OpticalCrmCommunicationSender(models.Model):
    """The sender: hands the due communications to their channel, in bounded
    batches locked with SKIP LOCKED so that two workers never take the same
    row, committing per batch outside tests so a crash loses nothing done
    (core's locked-batch loop, ``optical_crm_batch_mixin.py``). A batch that
    fails is sent again row by row; a row that still fails is ``failed``
    with its reason, and the run goes on."""

    _inherit = "optical.crm.communication"

    @api.model
    def _cron_send_communications(self, batch_size=None, max_batches=None):
        batch_size = batch_size or self.env["ir.config_parameter"]._optical_param("optical_crm.send_batch_size")
        registry = self._channel_registry()
        quiet_channels = tuple(key for key, channel in registry.items() if channel.quiet_hours) or ("",)
        now = fields.Datetime.now()
        # Per shop: its today, and whether its sending window is open now.
        shops = [
            (company.id, company._optical_today(), company._optical_in_send_window(now))
            for company in self.env["res.company"].sudo().search([])
        ]
        shop_values = SQL(", ").join(SQL("(%s, %s::date, %s)", *shop) for shop in shops)
        quiet_shops = {company_id for company_id, _today, window_open in shops if not window_open}
        taken = []

        def send(communications):
            taken.extend(communications.ids)
            communications._send_batch(registry, quiet_shops)

        done = self._process_locked_batches(
            joins=SQL("JOIN (VALUES %s) AS shop(company_id, today, window_open) ON shop.company_id = t.company_id",
                      shop_values),
            due=SQL("t.state = 'planned' AND t.scheduled_date <= shop.today "
                    "AND (shop.window_open OR t.channel NOT IN %s)", quiet_channels),
            order=SQL("t.scheduled_date, t.priority DESC, t.id"),
            process=send,
            on_row_error=lambda communication, error: communication._mark_failed(failure_text(self.env, error)),
            batch_size=batch_size, max_batches=max_batches,
        )
        self._record_send_run(taken, now)
        return done

    @api.model
    def _record_send_run(self, ids, now):
        """The sender's last run on each shop, for its settings: how many
        communications were handed on and how many failed."""
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """SELECT company_id, COUNT(*) FILTER (WHERE state IN ('sent', 'done')),
                      COUNT(*) FILTER (WHERE state = 'failed')
                 FROM optical_crm_communication WHERE id = ANY(%s::int[]) GROUP BY company_id""", list(set(ids))))
        counts = {company_id: (sent, failed) for company_id, sent, failed in self.env.cr.fetchall()}
        Run = self.env["optical.crm.run"].sudo()  # the sender's own bookkeeping
        for company in self.env["res.company"].sudo().search([]):  # pylint: disable=no-search-all
            Run._record(company.id, "sender", now, *counts.get(company.id, (0, 0)))

    def _send_batch(self, registry=None, quiet_shops=()):
        """Send these communications on the day: the rules first (the channel
        of a step with alternatives is chosen again, consent may have
        changed); a communication now on a channel with quiet hours, in a
        shop whose sending window is closed (``quiet_shops``), waits for it."""
        registry = registry or self._channel_registry()
        # The rules' statements over a batch are estimated costly (a CASE of
        # subqueries per row) and would be compiled (JIT) for longer than they
        # run. For this batch's transaction only.
        self.env.cr.execute("SET LOCAL jit = off")
        self._apply_rules(SQL("c.id IN %s", tuple(self.ids)))
        quiet = {key for key, channel in registry.items() if channel.quiet_hours}
        due = self.filtered(lambda c: c.state == "planned" and not (c.channel in quiet and c.company_id.id in quiet_shops))
        for channel, communications in due.grouped("channel").items():
            getattr(communications, registry[channel].send)()
        _logger.info("Sender: %s communications handed to their channel, %s skipped, cancelled or waiting",
                     len(due), len(self) - len(due))

    # ------------------------------------------------------------------
    # Channels
    # ------------------------------------------------------------------

    @api.model
    def _optical_channels(self):
        """The channels this database can deliver: a list of
        ``tools.channels.Channel`` declarations. A channel module extends
        this method once to add its own (see ``tools/channels.py``)."""
        return list(CORE_CHANNELS)

    @api.model
    def _channel_registry(self):
        """{key: Channel} of ``_optical_channels``, what every reader uses."""
        return {channel.key: channel for channel in self._optical_channels()}

    # ------------------------------------------------------------------
    # Rendering
    # ------------------------------------------------------------------

    def _rendered_texts(self):
        """{id: (subject, body)} rendered from the step's templates, in the
        customer's language, one rendering call per step and field. Texts
        already rendered (sent communications) are kept as they were sent."""
        result = {c.id: (c.subject, c.body) for c in self if c.state != "planned" and (c.subject or c.body)}
        pending = self.filtered(lambda c: c.id not in result)
        for step_field in ("cycle_step_id", "campaign_step_id"):
            for step, communications in pending.filtered(step_field).grouped(step_field).items():
                rendered = {
                    field: communications._render_step_field(step, field) if step[field] else {}
                    for field in ("subject", "body")
                }
                for communication in communications:
                    result[communication.id] = (
                        rendered["subject"].get(communication.id) or step.name,
                        rendered["body"].get(communication.id) or "",
                    )
        for communication in pending.filtered(lambda c: c.id not in result):
            result[communication.id] = (communication.subject, communication.body)
        return result

    def _render_step_field(self, step, field):
        """{id: text}: ``field`` of ``step`` rendered for these communications,
        in each customer's language and with dates and times in each shop's
        time zone, whatever the channel.

        Rendered for whoever sends or exports, so it reads the shop's
        customers as the sender does (superuser): safe, because a text is
        never evaluated as superuser (``optical.crm.step.mixin._render_template``):
        plain placeholders are read field by field, and any other expression
        (a template editor's) is evaluated with the rights of the step's
        writer, ``optical_render_author``.

        A text whose placeholders all name the shop (or that has none) reads
        the same for every customer of a shop in a language: it is rendered
        once per shop and language, for one of them, and given to the others.
        """
        result = {}
        for company, communications in self.grouped("company_id").items():
            # sudo: the shop's customers, whoever renders; never evaluates code (see above).
            renderer = step.sudo().with_context(
                optical_render_tz=company._optical_tz().zone, optical_render_author=step.sudo().write_uid.id)
            # What _render_field(compute_lang=True) does, the text of each language looked at.
            for template, ids in renderer._classify_per_lang(communications.ids).values():
                if self._optical_text_per_shop(template, field):
                    result.update(dict.fromkeys(ids, template._render_field(field, ids[:1])[ids[0]]))
                else:
                    result.update(template._render_field(field, ids))
        return result

    @api.model
    def _optical_shop_placeholders(self):
        """The placeholders whose value is the same for every customer of a shop."""
        return ("object.company_id", "object.company_id.name")

    @api.model
    def _optical_text_per_shop(self, step, field):
        """Whether ``field`` of ``step`` (in its context's language) is an
        inline template reading nothing of the customer: no placeholder, or
        only the shop's (:meth:`_optical_shop_placeholders`)."""
        if getattr(step._fields[field], "render_engine", "inline_template") != "inline_template":
            return False
        shop_placeholders = self._optical_shop_placeholders()
        return all(
            not expression or expression.strip() in shop_placeholders
            for _literal, expression, _default in parse_inline_template(step[field] or ""))

    @api.model
    def mail_allowed_qweb_expressions(self):
        """The placeholders anyone writing a step's texts may use (the
        picker offers them): plain field paths, rendered without evaluating
        anything. Other modules add theirs (the personal links)."""
        return super().mail_allowed_qweb_expressions() + (
            "object.first_name",
            "object.partner_id.lang",
            "object.event_date_text",
            "object.company_id",
            "object.company_id.name",
        )

    def _render_texts(self):
        """Store the rendered subject and body on each communication."""
        texts = self._rendered_texts()
        self._write_per_row(["subject", "body"], [(cid, subject, body) for cid, (subject, body) in texts.items()])

    # ------------------------------------------------------------------
    # Core's channels: e-mail and export (phone: optical_crm_communication_callback.py)
    # ------------------------------------------------------------------

    def _send_email(self):
        without_email = self.filtered(lambda c: not c.partner_id.email)
        without_email._mark_skipped("contact", self.env._("No e-mail address"))
        to_send = self - without_email
        to_send._render_texts()
        # Rendered in the shop's layout (optical_crm_communication_email.py).
        mails = self.env["mail.mail"].sudo().create(to_send._email_values())
        to_send._mark_sent()
        return mails

    def _send_export(self):
        """Listed for export to another tool (WhatsApp, letters): rendered, ready."""
        self._render_texts()
        self._mark_sent()
