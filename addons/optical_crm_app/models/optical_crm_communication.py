from odoo import api, fields, models


class OpticalCrmCommunication(models.Model):
    """The ``app`` channel: a message in the customer's chat of the app, and
    a push notification to each of their devices that can receive one."""

    _inherit = "optical.crm.communication"

    app_message_ids = fields.One2many("optical.app.message", "communication_id", "App message")

    @api.model
    def _channel_registry(self):
        registry = super()._channel_registry()
        registry["app"] = {"send": "_send_app", "quiet_hours": True}
        return registry

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
        without_app.write({"state": "skipped", "skip_code": "contact",
                           "skip_reason": self.env._("The customer has no paired app")})
        to_send = self - without_app
        if not to_send:
            return self.env["optical.app.message"]
        to_send._render_texts()
        link_urls = to_send._optical_app_link_urls()
        now = fields.Datetime.now()
        push_enabled = bool(self.env["ir.config_parameter"].sudo().get_param("optical_crm_app.push_url"))
        messages = self.env["optical.app.message"].sudo().create([{
            "partner_id": communication.partner_id.id,
            "company_id": communication.company_id.id,
            "communication_id": communication.id,
            "date": now,
            "title": communication.subject or communication.display_name,
            "body": communication.body,
            "link_url": link_urls.get(communication.id) or False,
            "delivery": "push" if push_enabled and any(
                devices_by_partner[communication.partner_id].mapped("push_token")) else "chat",
        } for communication in to_send])
        pushes = self.env["optical.app.push"].sudo().create([
            {"message_id": message.id, "device_id": device.id, "company_id": message.company_id.id}
            for message in messages.filtered(lambda m: m.delivery == "push")
            for device in devices_by_partner[message.partner_id] if device.push_token
        ])
        if pushes:
            # Push right after this transaction commits, not at the cron's next round.
            self.env.ref("optical_crm_app.ir_cron_process_push_queue").sudo()._trigger()
        to_send.write({"state": "sent", "sent_date": now})
        return messages
