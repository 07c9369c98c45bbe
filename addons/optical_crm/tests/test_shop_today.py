import datetime

from freezegun import freeze_time

from odoo.tests import tagged

from .common import OpticalCrmCase

D = datetime.date
# Winter time in Rome is UTC+1: 22:30 UTC is 23:30 in Rome, 23:30 UTC is already 00:30 the next day.
ROME_2330 = "2026-03-01 22:30:00"
ROME_0030 = "2026-03-01 23:30:00"


@tagged("post_install", "-at_install", "optical_crm")
class TestShopToday(OpticalCrmCase):
    """One "today" per shop: the scheduled actions run as a user in UTC (the
    cron's), yet the planner, the rules, the campaigns, the sender and the
    calls all use the date in the shop's time zone, on both sides of midnight."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.shop_a.optical_send_calendar_id = False
        cls.shop_a.partner_id.tz = "Europe/Rome"
        # The cron user's time zone, as on a server.
        cls.env = cls.env(context=dict(cls.env.context, tz="UTC"))
        cls.env.user.tz = "UTC"
        cls.Communication = cls.env["optical.crm.communication"]
        cls.exam = cls.cycle("optometry", [(1, "days", "phone", "service")])
        cls.event(cls.mario, "optometry", D(2026, 3, 1))

    def run_crons(self):
        self.Communication._cron_plan_communications()
        self.Communication._cron_send_communications()
        return self.communications(partner_id=self.mario.id, cycle_id=self.exam.id)

    def test_planner_and_sender_agree_before_midnight_in_rome(self):
        with freeze_time(ROME_2330):
            self.assertEqual(self.shop_a._optical_today(), D(2026, 3, 1))
            call = self.run_crons()
        # Planned for tomorrow (within the horizon), not sent a day early.
        self.assertEqual((call.scheduled_date, call.state), (D(2026, 3, 2), "planned"))

    def test_planner_and_sender_agree_after_midnight_in_rome(self):
        with freeze_time(ROME_0030):
            self.assertEqual(self.shop_a._optical_today(), D(2026, 3, 2))
            call = self.run_crons()
        # Still 1 March in UTC, but 2 March in the shop: the call is due and on today's list.
        self.assertEqual((call.scheduled_date, call.state), (D(2026, 3, 2), "sent"))
        self.assertEqual(call.activity_id.date_deadline, D(2026, 3, 2))

    def test_a_late_call_is_due_on_the_shops_today(self):
        self.event(self.lucia, "optometry", D(2026, 2, 28))
        with freeze_time(ROME_0030):
            self.run_crons()
        late = self.communications(partner_id=self.lucia.id, cycle_id=self.exam.id)
        # Due yesterday (caught up): on the call list of the shop's today, not of UTC's.
        self.assertEqual(late.state, "sent")
        self.assertEqual((late.activity_id.date_deadline, late.scheduled_date), (D(2026, 3, 2), D(2026, 3, 2)))

    def test_campaign_starts_on_the_shops_day(self):
        campaign = self.env["optical.crm.campaign"].create({
            "name": "San Valentino", "date_start": D(2026, 3, 2), "date_end": D(2026, 3, 10), "state": "scheduled",
            "step_ids": [(0, 0, {"name": "Offer", "day_offset": 0, "channel": "export"})],
        })
        with freeze_time(ROME_2330):
            self.env["optical.crm.campaign"]._update_states()
            self.assertEqual(campaign.state, "scheduled")
        with freeze_time(ROME_0030):
            self.env["optical.crm.campaign"]._update_states()
            self.assertEqual(campaign.state, "running")

    def test_a_contact_whose_shop_day_passed_is_not_planned_again(self):
        lucia = self.lucia
        lucia.optical_consent_marketing = False
        self.cycle("optometry", [(0, "days", "export")])
        self.event(lucia, "optometry", D(2026, 3, 1))
        self.plan(D(2026, 3, 1))
        export = self.communications(partner_id=lucia.id, channel="export")
        self.assertEqual((export.state, export.skip_code), ("skipped", "consent"))
        # Consent given at 00:30 in Rome on 2 March: the 1 March contact's day has passed in the shop.
        with freeze_time(ROME_0030):
            lucia.optical_consent_marketing = True
        self.assertEqual(export.state, "skipped")
        # Given before midnight, it would have gone back to planned.
        lucia.optical_consent_marketing = False
        with freeze_time(ROME_2330):
            lucia.optical_consent_marketing = True
        self.assertEqual(export.state, "planned")

    def test_texts_of_every_channel_in_the_shops_time_zone(self):
        # Without the SMS module in the way: an export and a phone text speak the shop's time.
        step = self.exam.step_ids
        step.body = "Chiamata delle {{ format_datetime(object.outcome_date, dt_format='dd/MM HH:mm') }}"
        with freeze_time(ROME_0030):
            self.Communication._cron_plan_communications()
        call = self.communications(partner_id=self.mario.id, cycle_id=self.exam.id)
        call.outcome_date = datetime.datetime(2026, 3, 1, 23, 30)
        subject, body = call._rendered_texts()[call.id]
        self.assertEqual(body, "Chiamata delle 02/03 00:30")
