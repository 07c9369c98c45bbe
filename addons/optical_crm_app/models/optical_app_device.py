import datetime

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, mute_logger, plaintext2html

from odoo.addons.optical_crm.tools.http_api import check_secret, hash_secret

from ..tools.pairing import generate_api_key, normalize_pairing_code


class OpticalAppDevice(models.Model):
    """A phone or tablet on which a customer paired the shop's app.

    The app holds an API key; only its hash (HMAC with the database secret)
    is stored here. A customer may pair several devices; the customer (from
    the app) or the shop (from the customer form) can revoke any of them."""

    _name = "optical.app.device"
    _inherit = ["optical.crm.shop.mixin"]
    _description = "App device"
    _order = "paired_date desc, id desc"
    _check_company_auto = True

    name = fields.Char("Device", required=True, default=lambda self: self.env._("App"))
    partner_id = fields.Many2one("res.partner", "Customer", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one("res.company", "Shop", required=True, index=True,
                                 default=lambda self: self.env.company)
    api_key_hash = fields.Char(required=True, copy=False, groups="base.group_system")
    push_token = fields.Char("Push token", copy=False, groups="base.group_system",
                             help="Given by the app; without it messages stay in the chat only.")
    has_push_token = fields.Boolean("Push notifications", compute="_compute_has_push_token", store=True)
    active = fields.Boolean(default=True, help="A revoked device can no longer use the API.")
    paired_date = fields.Datetime("Paired on", required=True, default=fields.Datetime.now, readonly=True)
    last_seen_date = fields.Datetime("Last seen", readonly=True)
    revoked_date = fields.Datetime("Revoked on", readonly=True)
    revoked_by = fields.Selection([("customer", "Customer"), ("shop", "Shop")], readonly=True)

    _sql_constraints = [
        ("api_key_hash_uniq", "UNIQUE (api_key_hash)", "An API key belongs to one device only."),
    ]

    @api.depends("push_token")
    def _compute_has_push_token(self):
        for device in self.sudo():
            device.has_push_token = bool(device.push_token)

    # ------------------------------------------------------------------
    # Pairing and authentication (called by the controller, as superuser)
    # ------------------------------------------------------------------

    @api.model
    def _pepper(self):
        return self.env["ir.config_parameter"].sudo().get_param("database.secret")

    @api.model
    def _hash(self, secret):
        return hash_secret(secret, self._pepper())

    @api.model
    def _pair(self, pairing_code, name=None, push_token=None):
        """Exchange a pairing code for a new device; returns (device, api_key)
        or (empty recordset, None) when the code is unknown, used or expired.
        The code is consumed in the same statement that checks it, so two
        devices racing with one code cannot both pair."""
        code = normalize_pairing_code(pairing_code)
        if not code:
            return self.browse(), None
        self.env.flush_all()
        self.env.cr.execute(SQL(
            """UPDATE res_partner SET optical_app_pairing_hash = NULL, optical_app_pairing_expiry = NULL
                WHERE optical_app_pairing_hash = %s AND optical_app_pairing_expiry > %s
            RETURNING id, optical_app_pairing_company_id""",
            self._hash(code), fields.Datetime.now()))
        row = self.env.cr.fetchone()
        self.env["res.partner"].invalidate_model(
            ["optical_app_pairing_hash", "optical_app_pairing_expiry", "optical_app_pairing_active"])
        if not row:
            return self.browse(), None
        partner = self.env["res.partner"].sudo().browse(row[0])
        api_key = generate_api_key()
        device = self.sudo().create({
            "name": (name or "").strip()[:64] or self.env._("App"),
            "partner_id": partner.id,
            "company_id": partner.optical_shop_id.id or row[1] or self.env.company.id,
            "api_key_hash": self._hash(api_key),
            "push_token": (push_token or "").strip() or False,
            "last_seen_date": fields.Datetime.now(),
        })
        # The customer, as the note's author, does not become a follower of their own card (e-mailed about it).
        # The note in the shop's language: the app's request has none.
        shop_env = self.with_context(lang=device.company_id._optical_lang()).env
        partner.with_context(mail_create_nosubscribe=True).message_post(
            body=shop_env._("App paired on device %s.", device.name), message_type="comment",
            subtype_xmlid="mail.mt_note", author_id=partner.id)
        return device, api_key

    def _set_api_key(self, api_key):
        """Give the device a new API key (e.g. a known key for demo data):
        only its hash is written."""
        self.ensure_one()
        self.sudo().api_key_hash = self._hash(api_key)

    @api.model
    def _authenticate(self, api_key):
        """The active device holding this API key, or an empty recordset.
        The lookup is by hash; the found hash is compared in constant time."""
        if not api_key or len(api_key) > 256:
            return self.browse()
        device = self.sudo().search([("api_key_hash", "=", self._hash(api_key))], limit=1)
        if not device or not check_secret(api_key, device.api_key_hash, self._pepper()) or not device.partner_id.active:
            return self.browse()
        now = fields.Datetime.now()
        # Last seen to the minute: no write on every call of a chatty app.
        if not device.last_seen_date or now - device.last_seen_date > datetime.timedelta(minutes=1):
            device._touch_last_seen(now)
        return device

    def _touch_last_seen(self, now):
        """Note the device was seen ``now``, without ever waiting for or
        failing on another call of the same device: when that call holds the
        row, or changed it since this request began, it has noted it already.
        (A plain write made two calls of one device collide: the loser was
        retried by Odoo, a third of concurrent push-token updates failed.)"""
        self.ensure_one()
        self.env.flush_all()
        try:
            with self.env.cr.savepoint(flush=False), mute_logger("odoo.sql_db"):
                self.env.cr.execute(SQL(
                    """UPDATE optical_app_device SET last_seen_date = %s
                        WHERE id IN (SELECT id FROM optical_app_device WHERE id = %s
                                     FOR NO KEY UPDATE SKIP LOCKED)""", now, self.id))
        except psycopg2.errors.SerializationFailure:
            return
        self.invalidate_recordset(["last_seen_date"])

    # ------------------------------------------------------------------
    # Revocation
    # ------------------------------------------------------------------

    def _revoke(self, by):
        devices = self.filtered("active")
        devices.sudo().write({"active": False, "revoked_date": fields.Datetime.now(), "revoked_by": by,
                              "push_token": False})
        # Notifications not yet pushed to a revoked device are dropped.
        self.env["optical.app.push"].sudo().search([
            ("device_id", "in", devices.ids), ("state", "=", "pending"),
        ]).write({"state": "cancelled", "last_error": self.env._("Device revoked")})
        for device in devices:
            # The note in the language of the staff member who revoked, else (the customer, from the app) the
            # shop's.
            lang_env = self.with_context(
                lang=self.env.lang if by != "customer" and self.env.lang else device.company_id._optical_lang()).env
            device.partner_id.sudo().with_context(mail_create_nosubscribe=True).message_post(
                body=lang_env._("App device %(device)s revoked by the %(by)s.", device=device.name,
                                by=dict(self._fields["revoked_by"]._description_selection(lang_env))[by].lower()),
                message_type="comment", subtype_xmlid="mail.mt_note",
                author_id=device.partner_id.id if by == "customer" else self.env.user.partner_id.id)
        return devices

    def action_revoke(self):
        """Revoke from the shop: the app loses access at its next call."""
        if not self.env.user.has_group("optical_crm.group_optical_crm_user"):
            raise UserError(self.env._("Device: only shop staff can revoke a device."))
        # Staff cannot edit devices (a device moved to another customer would
        # read that customer's messages): revoking is the one change allowed.
        self.check_access("read")
        self._revoke("shop")
        return True

    def _chat_receive(self, text):
        """A message the customer wrote in the app on this device: kept in the
        chat, posted in the customer's chatter, and an activity for the shop
        until answered (``optical.app.message`` holds the rest of the chat)."""
        self.ensure_one()
        partner = self.partner_id.sudo()
        company = self.company_id
        mail_message = partner.with_context(optical_app_inbound=True, mail_create_nosubscribe=True).message_post(
            body=plaintext2html(text), author_id=partner.id, message_type="comment",
            subtype_xmlid="mail.mt_comment")
        message = self.env["optical.app.message"].sudo().create({
            "partner_id": partner.id,
            "company_id": company.id,
            "direction": "in",
            "title": partner.name,
            "body": text,
            "mail_message_id": mail_message.id,
            "is_read": True,
            "read_date": fields.Datetime.now(),
        })
        partner._optical_app_chat_activity(company, text)
        return message
