from odoo import api, fields, models
from odoo.tools import SQL

from .optical_crm_step_mixin import APP_CHANNEL_ONDELETE, APP_CHANNEL_SELECTION


class OpticalCrmCommunicationApp(models.Model):
    """The ``app`` channel: a message in the customer's chat of the app, and
    a push notification to each of their devices that can receive one."""

    _inherit = "optical.crm.communication"

    channel = fields.Selection(selection_add=APP_CHANNEL_SELECTION, ondelete=APP_CHANNEL_ONDELETE)

    app_message_ids = fields.One2many("optical.app.message", "communication_id", "App message")

    @api.model
    def _channel_consent_fields(self):
        return dict(super()._channel_consent_fields(), app=("optical_consent_marketing", "optical_consent_app"))

    @api.model
    def _consent_reasons(self):
        return dict(super()._consent_reasons(), optical_consent_app=self.env._("No app consent"))

    @api.model
    def _channel_registry(self):
        registry = super()._channel_registry()
        registry["app"] = {"send": "_send_app", "quiet_hours": True}
        return registry

    @api.model
    def _reach_contact_conditions(self):
        conditions = super()._reach_contact_conditions()
        conditions["app"] = [(
            SQL("NOT EXISTS (SELECT 1 FROM optical_app_device d WHERE d.partner_id = p.id AND d.active)"),
            self.env._("The customer has no paired app"))]
        return conditions

    def _optical_app_link_urls(self):
        """{communication id: URL} of the page the app opens from the message.

        Empty here: a module providing landing pages extends it."""
        return {}

    def _send_app(self):
        """Create the chat messages and queue their push notifications, in
        this transaction; the push queue's cron pushes them afterwards."""
        Device = self.env["optical.app.device"].sudo()
        devices = Device.search([("partner_id", "in", self.partner_id.ids)])
        devices_by_partner = devices.grouped("partner_id")
        without_app = self.filtered(lambda c: c.partner_id not in devices_by_partner)
        without_app._mark_skipped("contact", self.env._("The customer has no paired app"))
        to_send = self - without_app
        if not to_send:
            return self.env["optical.app.message"]
        to_send._render_texts()
        link_urls = to_send._optical_app_link_urls()
        now = fields.Datetime.now()
        messages = self.env["optical.app.message"]._deliver([{
            "partner_id": communication.partner_id.id,
            "company_id": communication.company_id.id,
            "communication_id": communication.id,
            "date": now,
            "title": communication.subject or communication.display_name,
            "body": communication.body,
            "link_url": link_urls.get(communication.id) or False,
        } for communication in to_send])
        to_send._mark_sent(sent_date=now)
        return messages
