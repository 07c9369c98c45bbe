from unittest.mock import patch

from odoo.tests import tagged

from .common import OpticalSmsCommon


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsIsolation(OpticalSmsCommon):
    """The SMS queue's part of the chaos test: one SMS whose bookkeeping
    Odoo cannot do is in error with its reason and never posted again; the
    others of the session are posted and recorded once."""

    def _queued(self):
        communications = self._plan(self.customers, self.step_sms)
        self.env["optical.crm.communication"]._cron_send_communications()
        self.assertEqual(set(communications.sms_id.mapped("state")), {"outgoing"})
        return communications

    def _failing(self, method, poison):
        cls = type(self.env["sms.sms"])
        original = getattr(cls, method)

        def failing(records, *args, **kwargs):
            if poison in records:
                raise ValueError("the tracker is gone")
            return original(records, *args, **kwargs)

        return patch.object(cls, method, failing)

    def test_an_sms_whose_answer_cannot_be_recorded_fails_alone(self):
        communications = self._queued()
        poison = communications[1]
        with self.gateway() as gateway, self._failing("_optical_set_state", poison.sms_id):
            self.env["sms.sms"]._process_queue()
            self.env["sms.sms"]._process_queue()
        self.env.invalidate_all()
        # Each posted once: the one that failed is not posted again.
        self.assertEqual(sorted(gateway.references()), sorted(communications.mapped("sms_reference")))
        others = communications - poison
        self.assertEqual(set(others.sms_id.mapped("state")), {"pending"})
        self.assertEqual(set(others.mapped("state")), {"sent"})
        self.assertEqual(poison.sms_id.state, "error")
        self.assertEqual((poison.state, poison.failure_reason), ("failed", "Unexpected error: the tracker is gone"))

    def test_an_sms_that_cannot_be_checked_is_not_posted(self):
        communications = self._queued()
        poison = communications[0]
        with self.gateway() as gateway, self._failing("_optical_cancel_withdrawn", poison.sms_id):
            self.env["sms.sms"]._process_queue()
        self.env.invalidate_all()
        others = communications - poison
        self.assertEqual(sorted(gateway.references()), sorted(others.mapped("sms_reference")))
        self.assertEqual(set(others.sms_id.mapped("state")), {"pending"})
        self.assertEqual((poison.sms_id.state, poison.state), ("error", "failed"))
