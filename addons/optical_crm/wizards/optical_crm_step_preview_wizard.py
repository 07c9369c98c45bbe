from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError
from odoo.tools import plaintext2html

from odoo.addons.base.models.res_partner import _lang_get


class OpticalCrmStepPreviewWizard(models.TransientModel):
    """See a step before it goes: its texts (and its e-mail in the shop's
    layout) rendered for a chosen customer, in their language and shop, and
    sent once as a test to the owner's own address, number or app.

    Nothing is written to the ledger: the texts are rendered on a
    communication that is never saved (``new``), as the current user (no
    ``sudo``), for a customer the user may read; the test goes through the
    channel's real delivery (``mail.mail``, ``sms.sms``, the app) to the
    owner, marked as a test, and is never an ``optical.crm.communication``,
    so no count, analysis or contact pressure sees it."""

    _name = "optical.crm.step.preview.wizard"
    _description = "Step preview"

    cycle_step_id = fields.Many2one("optical.crm.cycle.step", "Step of the cyclic activity", readonly=True)
    campaign_step_id = fields.Many2one("optical.crm.campaign.step", "Step of the campaign", readonly=True)
    channel = fields.Char("Channel code", compute="_compute_step_values")
    channel_name = fields.Char("Channel", compute="_compute_step_values")
    company_id = fields.Many2one("res.company", "Shop", compute="_compute_step_values")
    partner_id = fields.Many2one(
        "res.partner", "Customer", domain="[('partner_share', '=', True)]",
        help="The customer the texts are shown for: their language, their shop, their data.")
    event_id = fields.Many2one(
        "optical.crm.event", compute="_compute_event_id", store=True, readonly=False,
        domain="[('partner_id', '=', partner_id)]",
        help="The customer's event the texts speak of: by default their latest one of the cyclic activity.")
    lang = fields.Selection(_lang_get, "Language", compute="_compute_rendered")
    subject = fields.Char("Title", compute="_compute_rendered")
    body = fields.Text("Text", compute="_compute_rendered")
    # Rendered from the step's sanitized text into the product's own layout, as Odoo's mail.template.preview.
    body_html = fields.Html("E-mail", compute="_compute_rendered", sanitize=False)
    error = fields.Char(compute="_compute_rendered")
    test_recipient = fields.Char("Test sent to", compute="_compute_test_recipient")

    # ------------------------------------------------------------------
    # The step and the customer
    # ------------------------------------------------------------------

    def _step(self):
        self.ensure_one()
        return self.cycle_step_id or self.campaign_step_id

    @api.depends("cycle_step_id", "campaign_step_id", "partner_id")
    def _compute_step_values(self):
        channels = dict(self.env["optical.crm.step.mixin"]._fields["channel"]._description_selection(self.env))
        for wizard in self:
            step = wizard._step()
            wizard.channel = step.channel
            wizard.channel_name = channels.get(step.channel, step.channel)
            wizard.company_id = (step.company_id or wizard.partner_id.optical_shop_id
                                 or wizard.partner_id.company_id or self.env.company)

    @api.depends("partner_id", "cycle_step_id")
    def _compute_event_id(self):
        for wizard in self:
            cycle = wizard.cycle_step_id.cycle_id
            if not wizard.partner_id or not cycle:
                wizard.event_id = False
                continue
            domain = [("partner_id", "=", wizard.partner_id.id), ("event_type", "=", cycle.event_type)]
            if cycle.lens_type:
                domain.append(("lens_type", "=", cycle.lens_type))
            wizard.event_id = self.env["optical.crm.event"].search(domain, limit=1)

    def _check_customer(self):
        """The customer is one the user may read, of the step's shop."""
        self.ensure_one()
        partner = self.partner_id
        if not partner:
            raise UserError(self.env._("Customer: choose the customer to see the step for."))
        # As the user: a step or a customer of a shop they do not work in is refused here (record rules).
        self._step().check_access("read")
        partner.check_access("read")
        shop = self._step().company_id
        if shop and partner.optical_shop_id and partner.optical_shop_id != shop:
            raise AccessError(self.env._(
                "Customer: %(customer)s is a customer of %(other)s, not of %(shop)s.",
                customer=partner.display_name, other=partner.optical_shop_id.name, shop=shop.name))
        if self.event_id:
            self.event_id.check_access("read")
            if self.event_id.partner_id != partner:
                raise UserError(self.env._("Event: %(event)s is not an event of %(customer)s.",
                                           event=self.event_id.display_name, customer=partner.display_name))

    @api.constrains("partner_id", "event_id", "cycle_step_id", "campaign_step_id")
    def _check_preview_customer(self):
        for wizard in self.filtered("partner_id"):
            wizard._check_customer()

    def _preview_communication(self):
        """The communication the step would write for the customer, never saved."""
        self.ensure_one()
        step = self._step()
        values = {
            "partner_id": self.partner_id.id,
            "company_id": self.company_id.id,
            "channel": step.channel,
            "purpose": step.purpose,
            "scheduled_date": self.company_id._optical_today(),
        }
        if self.cycle_step_id:
            values.update(source="cycle", cycle_id=step.cycle_id.id, cycle_step_id=step.id,
                          event_id=self.event_id.id)
        else:
            values.update(source="supplier_campaign" if step.campaign_id.is_supplier_campaign else "campaign",
                          campaign_id=step.campaign_id.id, campaign_step_id=step.id)
        return self.env["optical.crm.communication"].new(values)

    # ------------------------------------------------------------------
    # Rendering: as the current user
    # ------------------------------------------------------------------

    def _render(self):
        """{field: text} of the step for the chosen customer, rendered as the
        current user (never as superuser): the step's texts through the
        project's rendering (``optical.crm.step.mixin._render_template``),
        in the customer's language, dates in the shop's time zone."""
        self._check_customer()
        step = self._step()
        communication = self._preview_communication()
        renderer = step.with_context(optical_render_tz=self.company_id._optical_tz().zone)
        texts = {"lang": communication.partner_id._optical_lang()}
        for field in ("subject", "body", "body_html"):
            texts[field] = renderer._render_field(field, list(communication._ids), compute_lang=True).get(
                communication.id) if step[field] else ""
        texts["subject"] = texts["subject"] or step.with_context(lang=texts["lang"]).name
        texts.update(self._render_extra(communication, texts))
        if step.channel == "email":
            texts["content_html"] = Markup(texts["body_html"]) if not tools.is_html_empty(
                texts["body_html"]) else plaintext2html(texts["body"] or "")
            texts["body_html"] = self._email_layout(texts["content_html"], texts["subject"], texts["lang"])
        return texts

    def _render_extra(self, communication, texts):
        """Channel modules add what they show (the personal link)."""
        return {}

    def _email_layout(self, body, subject, lang):
        """The e-mail in the shop's layout, as the sender builds it, without
        the customer's personal links (the preview has no communication)."""
        return self.env["optical.crm.communication"]._email_layout(self.company_id, lang, subject, body, "#", "")

    @api.depends("partner_id", "event_id", "cycle_step_id", "campaign_step_id")
    def _compute_rendered(self):
        names = [name for name, field in self._fields.items() if field.compute == "_compute_rendered"]
        for wizard in self:
            values = dict.fromkeys(names, False)
            if wizard.partner_id and wizard._step():
                try:
                    values.update({key: value for key, value in wizard._render().items() if key in values})
                except (AccessError, UserError) as error:
                    values["error"] = str(error)
            wizard.update(values)

    # ------------------------------------------------------------------
    # Send a test
    # ------------------------------------------------------------------

    def _check_may_send_test(self):
        if not self.env.user.has_group("optical_crm.group_optical_crm_manager"):
            raise AccessError(self.env._("Send a test: only the shop's owners send tests of a step."))

    def _test_channels(self):
        """{channel: method sending ``texts`` to the owner, returning where to}.
        Channel modules add theirs."""
        return {"email": self._send_test_email}

    @api.depends("cycle_step_id", "campaign_step_id")
    def _compute_test_recipient(self):
        for wizard in self:
            wizard.test_recipient = wizard._test_recipient()

    def _test_recipient(self):
        """Where a test of this step goes: the owner's own address, number or app."""
        self.ensure_one()
        if self._step().channel == "email":
            return self.env.user.email or ""
        return ""

    def _test_prefix(self, lang):
        return self.with_context(lang=lang).env._("[TEST]")

    def action_send_test(self):
        """Send the step, as rendered for the chosen customer, to the owner
        themselves, marked as a test; returns the wizard again with a
        notification."""
        self.ensure_one()
        self._check_may_send_test()
        step = self._step()
        send = self._test_channels().get(step.channel)
        if not send:
            raise UserError(self.env._(
                "Send a test: a %(channel)s step cannot be sent as a test; Preview shows its text.",
                channel=self.channel_name))
        texts = self._render()
        prefix = self._test_prefix(texts["lang"])
        texts["subject"] = "%s %s" % (prefix, texts["subject"] or "")
        texts["body"] = "%s %s" % (prefix, texts["body"] or "")
        recipient = send(texts)
        owner = self.env.user.partner_id
        # The owner's own contact card records what was sent to them (the note is the product's bookkeeping).
        owner.sudo().message_post(
            body=self.env._("%(prefix)s Step %(step)s (%(channel)s) sent as a test to %(recipient)s, as "
                            "%(customer)s would get it.", prefix=prefix, step=step.name, channel=self.channel_name,
                            recipient=recipient, customer=self.partner_id.display_name),
            message_type="comment", subtype_xmlid="mail.mt_note", author_id=owner.id)
        return {
            "type": "ir.actions.client", "tag": "display_notification",
            "params": {
                "type": "success", "title": self.env._("Test sent"),
                "message": self.env._("Sent to %(recipient)s, marked as a test; it counts nowhere.",
                                      recipient=recipient),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def _send_test_email(self, texts):
        address = self.env.user.email
        if not address:
            raise UserError(self.env._("Send a test: your user has no e-mail address to send the test to."))
        body = self._email_layout(
            Markup("<p><b>%s</b></p>%s") % (self._test_prefix(texts["lang"]), texts["content_html"]),
            texts["subject"], texts["lang"])
        # sudo: Odoo's outgoing queue is not the owner's to write; the text was rendered as the owner above.
        self.env["mail.mail"].sudo().create({
            "subject": texts["subject"],
            "body_html": body,
            "email_to": self.env.user.email_formatted,
            "email_from": self.company_id.email_formatted or self.env.user.email_formatted,
            "model": "res.partner",
            "res_id": self.env.user.partner_id.id,
            "auto_delete": False,
        })
        return address

    # ------------------------------------------------------------------
    # Opening
    # ------------------------------------------------------------------

    @api.model
    def _action_open(self, step_field, step):
        step.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Preview: %(step)s", step=step.name),
            "res_model": self._name,
            "view_mode": "form",
            "target": "new",
            "context": {"default_%s" % step_field: step.id},
        }


class OpticalCrmStepMixinPreview(models.AbstractModel):
    _inherit = "optical.crm.step.mixin"

    def action_preview(self):
        """The step's Preview and Send a test, for a customer to choose."""
        self.ensure_one()
        return self.env["optical.crm.step.preview.wizard"]._action_open(self._optical_step_field(), self)
