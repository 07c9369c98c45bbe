from odoo import models
from odoo.exceptions import UserError


class OpticalCrmStepPreviewWizard(models.TransientModel):
    """App steps: a test message to the owner's own paired app, through the
    app's delivery (chat message and push), of no communication."""

    _inherit = "optical.crm.step.preview.wizard"

    def _test_channels(self):
        return dict(super()._test_channels(), app=self._send_test_app)

    def _owner_devices(self):
        # The owner's own devices only; the device list is the app's bookkeeping.
        return self.env["optical.app.device"].sudo().search([("partner_id", "=", self.env.user.partner_id.id)])

    def _test_recipient(self):
        if self._step().channel == "app":
            return ", ".join(self._owner_devices().mapped("display_name"))
        return super()._test_recipient()

    def _send_test_app(self, texts):
        devices = self._owner_devices()
        if not devices:
            raise UserError(self.env._(
                "Send a test: you have no paired app. Pair the app with your own contact card first."))
        self.env["optical.app.message"]._deliver([{
            "partner_id": self.env.user.partner_id.id,
            "company_id": self.company_id.id,
            "title": texts["subject"],
            "body": texts["body"],
        }])
        return ", ".join(devices.mapped("display_name"))
