import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from .common import OpticalSmsCommon


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsQuietHours(OpticalSmsCommon):
    """Sending window of the shop: Monday to Saturday, 9:00-20:00 Europe/Rome."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop.optical_send_calendar_id = cls.env.ref("optical_crm.resource_calendar_sending_window")

    def test_sms_wait_for_the_next_window(self):
        # Sunday 1 March 2026, 11:00 in Rome: closed.
        with freeze_time("2026-03-01 10:00:00"), self.gateway() as gateway:
            communication = self._plan(self.customers[0], self.step_sms, date=datetime.date(2026, 3, 1))
            self._send()
            self.assertEqual(communication.state, "planned")
        # Monday 2 March, 8:30 in Rome: still closed.
        with freeze_time("2026-03-02 07:30:00"), self.gateway() as gateway:
            self._send()
            self.assertEqual(communication.state, "planned")
            self.assertFalse(gateway.requests)
        # Monday 9:05 in Rome: the window opens, the SMS goes.
        with freeze_time("2026-03-02 08:05:00"), self.gateway() as gateway:
            self._send()
            self.assertEqual(communication.state, "sent")
            self.assertEqual(communication.sent_date, datetime.datetime(2026, 3, 2, 8, 5))
            self.assertEqual(len(gateway.delivered), 1)

    def test_queued_sms_held_when_the_queue_runs_after_the_window(self):
        # Handed over at 19:59 in Rome, the SMS queue only runs at 20:30: it waits for the morning.
        with freeze_time("2026-03-03 18:59:00"), self.gateway():
            communication = self._plan(self.customers[0], self.step_sms, date=datetime.date(2026, 3, 3))
            self.env["optical.crm.communication"]._cron_send_communications()
            self.assertEqual(communication.state, "sent")
        with freeze_time("2026-03-03 19:30:00"), self.gateway() as gateway:
            self.env["sms.sms"]._process_queue()
            self.assertEqual(communication.sms_id.state, "outgoing")
            self.assertFalse(gateway.requests)
        with freeze_time("2026-03-04 08:01:00"), self.gateway() as gateway:
            self.env["sms.sms"]._process_queue()
            self.assertEqual(communication.sms_id.state, "pending")
            self.assertEqual(len(gateway.delivered), 1)

    def test_phone_callbacks_ignore_the_window(self):
        self.cycle.step_ids = [(0, 0, {"name": "Call", "channel": "phone", "purpose": "service",
                                       "interval_number": 7, "interval_unit": "days"})]
        step_phone = self.cycle.step_ids.filtered(lambda s: s.channel == "phone")
        with freeze_time("2026-03-01 10:00:00"), self.gateway():
            sms = self._plan(self.customers[0], self.step_sms, date=datetime.date(2026, 3, 1))
            call = self._plan(self.customers[1], step_phone, date=datetime.date(2026, 3, 1))
            self._send()
            self.assertEqual((sms.state, call.state), ("planned", "sent"))

    def test_progress_counts_only_what_the_sender_will_take(self):
        """The scheduled action's progress: SMS held by the closed window are
        not 'remaining' for this run (it would never finish them)."""
        self.cycle.step_ids = [(0, 0, {"name": "Call", "channel": "phone", "purpose": "service",
                                       "interval_number": 7, "interval_unit": "days"})]
        step_phone = self.cycle.step_ids.filtered(lambda s: s.channel == "phone")
        progress = []
        Cron = type(self.env["ir.cron"])
        with freeze_time("2026-03-01 10:00:00"), self.gateway(), \
                patch.object(Cron, "_notify_progress", lambda _cron, **kwargs: progress.append(kwargs)):
            sms = self._plan(self.customers, self.step_sms, date=datetime.date(2026, 3, 1))
            calls = self._plan(self.customers, step_phone, date=datetime.date(2026, 3, 1))
            done = self.env["optical.crm.communication"]._cron_send_communications(batch_size=2)
        self.assertEqual(done, 3)
        self.assertEqual(progress, [{"done": 2, "remaining": 1}, {"done": 3, "remaining": 0}])
        self.assertEqual(set(calls.mapped("state")), {"sent"})
        self.assertEqual(set(sms.mapped("state")), {"planned"})
