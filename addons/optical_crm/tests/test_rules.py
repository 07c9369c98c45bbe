import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm")
class TestRules(OpticalCrmCase):

    def test_marketing_needs_consent_service_does_not(self):
        self.cycle("glasses_delivery", [(7, "days", "phone", "service"), (7, "days", "email", "marketing")])
        shy = self.customer("Timido Neri", consent=False, email="timido@example.com")
        self.event(shy, "glasses_delivery", D(2026, 3, 2))
        self.plan(D(2026, 3, 5))
        service = self.communications(partner_id=shy.id, channel="phone")
        marketing = self.communications(partner_id=shy.id, channel="email")
        self.assertEqual(service.state, "planned")
        self.assertEqual((marketing.state, marketing.skip_code, marketing.skip_reason),
                         ("skipped", "consent", "No marketing consent"))

    @freeze_time("2026-03-01 10:00:00")
    def test_consent_given_later_plans_the_contact_again(self):
        self.cycle("optometry", [(3, "days", "email")])
        shy = self.customer("Timido Neri", consent=False, email="timido@example.com")
        self.event(shy, "optometry", D(2026, 3, 1))
        self.plan(D(2026, 3, 1))
        email = self.communications(partner_id=shy.id)
        self.assertEqual(email.state, "skipped")
        shy.optical_consent_marketing = True
        self.assertEqual((email.state, email.skip_reason), ("planned", False))

    def test_channel_without_its_module_is_skipped_with_reason(self):
        self.cycle("optometry", [(0, "days", "export")])
        self.event(self.mario, "optometry", D(2026, 3, 2))
        without_export = [channel for channel in self.Communication._optical_channels() if channel.key != "export"]
        with patch.object(type(self.Communication), "_optical_channels", return_value=without_export):
            self.plan(D(2026, 3, 2))
        export = self.communications(partner_id=self.mario.id)
        self.assertEqual((export.state, export.skip_code), ("skipped", "channel"))
        self.assertIn("not installed", export.skip_reason)

    @freeze_time("2026-02-01 10:00:00")
    def test_contact_pressure_higher_priority_wins(self):
        self.shop_a.write({"optical_pressure_max": 1, "optical_pressure_period_days": 30})
        cycle = self.cycle("optometry", [(3, "days", "export")], priority=20)
        campaign = self.env["optical.crm.campaign"].create({
            "name": "San Valentino", "date_start": D(2026, 2, 1), "date_end": D(2026, 2, 28),
            "partner_domain": "[('id', '=', %s)]" % self.mario.id, "priority": 5,
            "step_ids": [(0, 0, {"name": "Offer", "day_offset": 3, "channel": "email", "body": "Roses for you"})],
        })
        campaign.action_schedule()
        self.event(self.mario, "optometry", D(2026, 2, 2))
        self.plan(D(2026, 2, 1))
        offer = self.communications(partner_id=self.mario.id, campaign_id=campaign.id)
        recall = self.communications(partner_id=self.mario.id, cycle_id=cycle.id)
        self.assertEqual(recall.state, "planned")
        self.assertEqual((offer.state, offer.skip_code), ("skipped", "pressure"))
        self.assertIn("Contact pressure", offer.skip_reason)
        # The rules applied again (the customer changed, the sender's run): the offer stays out.
        self.Communication._apply_rules_for_partners(self.mario)
        self.assertEqual((offer.state, offer.skip_code, recall.state), ("skipped", "pressure", "planned"))
        # The winner is cancelled (the exam was deleted): the offer gets its place back.
        recall.event_id.active = False
        self.plan(D(2026, 2, 1))
        self.assertEqual(offer.state, "planned")
        self.assertFalse(offer.skip_reason)

    @freeze_time("2026-03-01 10:00:00")
    def test_pressure_counts_contacts_already_made(self):
        self.shop_a.write({"optical_pressure_max": 1, "optical_pressure_period_days": 30})
        self.cycle("optometry", [(0, "days", "export"), (0, "days", "phone", "service")])
        self.Communication.create({
            "partner_id": self.mario.id, "channel": "email", "scheduled_date": D(2026, 2, 20),
            "state": "sent", "purpose": "marketing", "company_id": self.shop_a.id,
        })
        self.event(self.mario, "optometry", D(2026, 3, 1))
        self.plan(D(2026, 3, 1))
        self.assertEqual(self.communications(partner_id=self.mario.id, channel="export").state, "skipped")
        self.assertEqual(self.communications(partner_id=self.mario.id, channel="phone").state, "planned")

    def test_bad_customer_filter_names_the_field(self):
        # Refused at save...
        with self.assertRaisesRegex(ValidationError, "Customers: invalid filter"):
            self.cycle("optometry", [(0, "days", "export")], partner_domain="[('name', '=',")
        # ... and named by the planner when one got in anyway (saved before this check).
        cycle = self.cycle("optometry", [(0, "days", "export")])
        self.env.cr.execute("UPDATE optical_crm_cycle SET partner_domain = %s WHERE id = %s",
                            ["[('name', '=',", cycle.id])
        cycle.invalidate_recordset(["partner_domain"])
        self.event(self.mario, "optometry", D(2026, 3, 2))
        with self.assertRaisesRegex(Exception, "Customers: invalid filter"):
            self.Communication._plan_cycle(cycle, self.shop_a, D(2026, 3, 1), D(2026, 3, 8))

    @freeze_time("2026-03-02 10:00:00")
    def test_archiving_a_cycle_cancels_what_it_had_still_to_do(self):
        """The owner archives a cyclic activity: its contacts still planned
        are cancelled with the reason, what was already done stays, another
        activity's contacts go on."""
        old = self.cycle("optometry", [(0, "days", "phone", "service"), (2, "days", "export")])
        # On another day than the archived activity's steps (on the same day, one contact per event).
        other = self.cycle("optometry", [(3, "days", "email")])
        self.event(self.mario, "optometry", D(2026, 3, 2))
        self.plan(D(2026, 3, 2))
        self.Communication._cron_send_communications()
        call, recall = (self.communications(cycle_id=old.id, channel=c) for c in ("phone", "export"))
        mail = self.communications(cycle_id=other.id)
        self.assertEqual((call.state, recall.state, mail.state), ("sent", "planned", "planned"))
        old.with_user(self.owner).action_archive()
        self.assertEqual((recall.state, recall.skip_reason), ("cancelled", "Cyclic activity archived"))
        self.assertEqual((call.state, mail.state), ("sent", "planned"))
        self.assertTrue(call.activity_id, "the call already in the list stays there")

    @freeze_time("2026-03-02 10:00:00")
    def test_archiving_a_cycle_cancels_a_contact_no_channel_reaches_any_more(self):
        """A planned contact whose customer lost every address of its step's
        channels since the planning: archiving the activity cancels it with
        the reason, before a channel's rule could skip it."""
        cycle = self.cycle("optometry", [(2, "days", "email")])
        cycle.step_ids.write({"fallback_ids": [(0, 0, {"channel": "phone", "sequence": 1})]})
        self.event(self.mario, "optometry", D(2026, 3, 2))
        self.plan(D(2026, 3, 2))
        mail = self.communications(cycle_id=cycle.id)
        self.assertEqual((mail.state, mail.channel), ("planned", "email"))
        self.mario.write({"email": False, "phone": False, "mobile": False})
        cycle.with_user(self.owner).action_archive()
        self.assertEqual((mail.state, mail.skip_reason), ("cancelled", "Cyclic activity archived"))
