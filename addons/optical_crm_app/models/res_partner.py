import datetime

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import plaintext2html

from ..tools.pairing import generate_pairing_code, normalize_pairing_code


class ResPartner(models.Model):
    _inherit = "res.partner"

    optical_app_device_ids = fields.One2many("optical.app.device", "partner_id", "App devices")
    optical_app_device_count = fields.Integer("Paired devices", compute="_compute_optical_app_device_count")
    optical_app_message_ids = fields.One2many("optical.app.message", "partner_id", "App messages")
    optical_app_chat_unanswered = fields.Integer(
        "App messages to answer", compute="_compute_optical_app_chat_unanswered")
    # The pairing code itself is never stored: only its hash, until it is used or expires.
    optical_app_pairing_hash = fields.Char(copy=False, groups="base.group_system")
    optical_app_pairing_expiry = fields.Datetime("Pairing code valid until", copy=False, readonly=True)
    optical_app_pairing_company_id = fields.Many2one("res.company", copy=False, readonly=True,
                                                     groups="base.group_system")
    optical_app_pairing_active = fields.Boolean("Pairing code open", compute="_compute_optical_app_pairing_active")

    def init(self):
        self.env.cr.execute(
            "CREATE UNIQUE INDEX IF NOT EXISTS res_partner_optical_app_pairing_hash_uniq "
            "ON res_partner (optical_app_pairing_hash) WHERE optical_app_pairing_hash IS NOT NULL"
        )

    @api.depends("optical_app_device_ids.active")
    def _compute_optical_app_device_count(self):
        counts = dict(self.env["optical.app.device"]._read_group(
            [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]))
        for partner in self:
            partner.optical_app_device_count = counts.get(partner._origin, 0)

    @api.depends("optical_app_pairing_expiry")
    def _compute_optical_app_pairing_active(self):
        now = fields.Datetime.now()
        for partner in self:
            partner.optical_app_pairing_active = bool(
                partner.optical_app_pairing_expiry and partner.optical_app_pairing_expiry > now)

    @api.model
    def _optical_app_pairing_minutes(self):
        return max(self.env["ir.config_parameter"]._optical_param("optical_crm_app.pairing_code_minutes"), 1)

    def _optical_app_check_staff(self):
        """Shop staff pair the customers they can see, to a shop they work in
        (the customer's, or their current shop for a customer of no shop yet);
        pairing writes only technical fields, so no contact-editing right is needed."""
        if not self.env.user.has_group("optical_crm.group_optical_crm_user"):
            raise AccessError(self.env._("Pairing code: only shop staff can pair a customer's app."))
        self.check_access("read")
        if self.optical_shop_id - self.env.companies:
            raise AccessError(self.env._(
                "Pairing code: this customer belongs to another shop; only that shop's staff can pair their app."))

    def optical_app_generate_pairing_code(self):
        """A new single-use pairing code for this customer (any previous one
        stops working). Returned in clear once; only its hash is kept."""
        self.ensure_one()
        self._optical_app_check_staff()
        Device = self.env["optical.app.device"]
        for _attempt in range(5):
            code = generate_pairing_code()
            hashed = Device._hash(normalize_pairing_code(code))
            # Two customers holding the same open code at once is astronomically
            # unlikely; the unique index makes it impossible, and we draw again.
            if not self.sudo().search_count([("optical_app_pairing_hash", "=", hashed)]):
                break
        self.sudo().write({
            "optical_app_pairing_hash": hashed,
            "optical_app_pairing_expiry": fields.Datetime.now() + datetime.timedelta(
                minutes=self._optical_app_pairing_minutes()),
            "optical_app_pairing_company_id": self.optical_shop_id.id or self.env.company.id,
        })
        return code

    def action_optical_app_pairing(self):
        """Generate a code and show it with its QR code to the customer."""
        self.ensure_one()
        code = self.optical_app_generate_pairing_code()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Pair the app"),
            "res_model": "optical.app.pairing.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": self.id,
                "optical_app_pairing_code": code,
                "optical_app_pairing_expiry": fields.Datetime.to_string(self.optical_app_pairing_expiry),
            },
        }

    def action_optical_app_revoke_pairing_code(self):
        self._optical_app_check_staff()
        self.sudo().write({"optical_app_pairing_hash": False, "optical_app_pairing_expiry": False,
                           "optical_app_pairing_company_id": False})
        return True

    def action_optical_app_view_devices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optical_crm_app.optical_app_device_action")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"active_test": False}
        return action

    # ------------------------------------------------------------------
    # App chat
    # ------------------------------------------------------------------

    @api.depends("optical_app_message_ids.is_answered")
    def _compute_optical_app_chat_unanswered(self):
        counts = dict(self.env["optical.app.message"]._read_group(
            [("partner_id", "in", self.ids), ("direction", "=", "in"), ("is_answered", "=", False)],
            ["partner_id"], ["__count"]))
        for partner in self:
            partner.optical_app_chat_unanswered = counts.get(partner._origin, 0)

    def _optical_app_chat_activity(self, company, text):
        """One open *App message* activity per customer, for the shop's callback
        user, until someone replies: the shop cannot miss the message."""
        self.ensure_one()
        activity_type = self.env.ref("optical_crm_app.mail_activity_type_app_chat")
        Activity = self.env["mail.activity"].sudo()
        open_activity = Activity.search([
            ("res_model", "=", "res.partner"), ("res_id", "=", self.id),
            ("activity_type_id", "=", activity_type.id)], limit=1)
        note = plaintext2html(text)
        if open_activity:
            open_activity.note = (open_activity.note or "") + note
            return open_activity
        user = (company.optical_callback_user_id or self.env.ref("base.user_admin", raise_if_not_found=False)
                or self.env.user)
        return Activity.with_context(mail_activity_quick_update=True).create({
            "activity_type_id": activity_type.id,
            "res_model_id": self.env["ir.model"]._get_id("res.partner"),
            "res_id": self.id,
            "user_id": user.id,
            # In the language of the person who answers (the app's request has none).
            "summary": self.with_context(lang=user.lang or company._optical_lang()).env._(
                "App message from %(name)s", name=self.name),
            "note": note,
        })

    def _optical_app_chat_activity_done(self, mail_message):
        self.ensure_one()
        activity_type = self.env.ref("optical_crm_app.mail_activity_type_app_chat")
        activities = self.env["mail.activity"].sudo().search([
            ("res_model", "=", "res.partner"), ("res_id", "=", self.id),
            ("activity_type_id", "=", activity_type.id)])
        if activities:
            activities.with_context(optical_app_chat_reply=True)._action_done(
                feedback=self.env._("Replied in the app by %(user)s", user=mail_message.author_id.name))

    def _message_post_after_hook(self, message, msg_values):
        """*Send message* by a shop user in the chatter of a customer who has
        the app: the reply reaches the app's chat (a *Log note* stays internal)."""
        res = super()._message_post_after_hook(message, msg_values)
        if (len(self) == 1 and not self.env.context.get("optical_app_inbound")
                and message.message_type == "comment"
                and message.subtype_id == self.env.ref("mail.mt_comment")
                and message.author_id.user_ids.filtered(lambda user: not user.share)
                and self.env["optical.app.device"].sudo().search_count([("partner_id", "=", self.id)], limit=1)):
            self.env["optical.app.message"]._chat_reply(self, message)
        return res

    def action_optical_app_view_chat(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optical_crm_app.optical_app_message_action")
        action["domain"] = [("partner_id", "=", self.id)]
        return action

    def _optical_keep_off_email(self):
        # A customer with the app gets the shop's replies in the app's chat, not by e-mail as well.
        return super()._optical_keep_off_email() or bool(
            self.env["optical.app.device"].sudo().search_count([("partner_id", "=", self.id)], limit=1))
