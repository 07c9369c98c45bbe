from odoo import api, fields, models

from ..tools.channels import APP
from .optical_crm_step_mixin import APP_CHANNEL_ONDELETE, APP_CHANNEL_SELECTION


class OpticalCrmCommunicationApp(models.Model):
    """The ``app`` channel: a message in the customer's chat of the app, and
    a push notification to each of their devices that can receive one."""

    _inherit = "optical.crm.communication"

    channel = fields.Selection(selection_add=APP_CHANNEL_SELECTION, ondelete=APP_CHANNEL_ONDELETE)

    app_message_ids = fields.One2many("optical.app.message", "communication_id", "App message")

    @api.model
    def _optical_channels(self):
        return super()._optical_channels() + [APP]

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
