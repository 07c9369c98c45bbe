import datetime

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm")
class TestCampaign(OpticalCrmCase):

    def campaign(self, **values):
        return self.env["optical.crm.campaign"].create({
            "name": "San Valentino", "date_start": D(2027, 2, 1), "date_end": D(2027, 3, 2),
            "step_ids": [
                (0, 0, {"name": "Offer", "day_offset": 0, "channel": "export", "body": "Ciao {{ object.first_name }}"}),
                (0, 0, {"name": "Reminder", "day_offset": 25, "channel": "export"}),
            ],
            **values,
        })

    def test_states_and_steps(self):
        other_shop = self.customer("Cliente Corso", shop=self.shop_b)
        with freeze_time("2027-01-20 10:00:00"):
            campaign = self.campaign(partner_domain=str([("id", "in", (self.mario | self.lucia | other_shop).ids)]))
            campaign.action_schedule()
            self.assertEqual(campaign.state, "scheduled")
            self.assertEqual(campaign.target_count, 2)  # Mario and Lucia; not the other shop's customer
        with freeze_time("2027-02-01 10:00:00"):
            self.plan(D(2027, 2, 1))
            self.assertEqual(campaign.state, "running")
            offers = self.communications(campaign_id=campaign.id)
            self.assertEqual(offers.mapped("partner_id"), self.mario | self.lucia)
            self.assertEqual(set(offers.mapped("scheduled_date")), {D(2027, 2, 1)})
            self.assertEqual(set(offers.mapped("source")), {"campaign"})
            self.assertFalse(self.communications(partner_id=other_shop.id))
        with freeze_time("2027-02-24 10:00:00"):
            self.plan(D(2027, 2, 24))
            reminders = self.communications(campaign_id=campaign.id, scheduled_date=D(2027, 2, 26))
            self.assertEqual(len(reminders), 2)
            campaign.action_cancel()
            self.assertEqual(set(reminders.mapped("state")), {"cancelled"})
        with freeze_time("2027-03-03 10:00:00"):
            scheduled = self.campaign(name="Back to school")
            scheduled.action_schedule()
            self.assertEqual(scheduled.state, "done")

    @freeze_time("2027-02-01 10:00:00")
    def test_cancelling_cancels_what_it_had_still_to_do(self):
        """The owner cancels a running campaign: its contacts still planned
        are cancelled with the reason, even one a channel could no longer
        reach; what was done stays; the form still counts them all; back to
        draft or copied, nothing of it is planned again by itself."""
        campaign = self.campaign(partner_domain=str([("id", "in", (self.mario | self.lucia).ids)]), step_ids=[
            (0, 0, {"name": "Offer", "day_offset": 0, "channel": "email", "body": "Ciao {{ object.first_name }}",
                    "fallback_ids": [(0, 0, {"channel": "phone", "sequence": 1})]})])
        campaign.action_schedule()
        self.plan(D(2027, 2, 1))
        offers = self.communications(campaign_id=campaign.id)
        mario, lucia = (offers.filtered(lambda c, p=p: c.partner_id == p) for p in (self.mario, self.lucia))
        self.assertEqual((mario.state, mario.channel, lucia.state), ("planned", "email", "planned"))
        lucia._mark_sent()
        lucia._mark_done()
        # Mario's addresses are gone since the planning: no channel of the step reaches him any more.
        self.mario.write({"email": False, "phone": False, "mobile": False})
        campaign.with_user(self.owner).action_cancel()
        self.assertEqual(campaign.state, "cancelled")
        self.assertEqual((mario.state, mario.skip_reason), ("cancelled", "Campaign cancelled"))
        self.assertEqual((lucia.state, lucia.skip_reason), ("done", False))
        self.assertEqual(campaign.communication_count, 2)
        campaign.with_user(self.owner).action_draft()
        copy = campaign.copy()
        self.assertEqual((campaign.state, copy.state, copy.communication_count), ("draft", "draft", 0))
        self.assertEqual((mario.state, lucia.state), ("cancelled", "done"))

    def test_moving_the_start_moves_the_contacts_not_sent_yet(self):
        with freeze_time("2027-01-28 10:00:00"):
            campaign = self.campaign(partner_domain=str([("id", "in", (self.mario | self.lucia).ids)]))
            campaign.action_schedule()
            self.plan(D(2027, 1, 28))
            offers = self.communications(campaign_id=campaign.id)
            self.assertEqual(set(offers.mapped("scheduled_date")), {D(2027, 2, 1)})
            offers.filtered(lambda c: c.partner_id == self.lucia)._mark_sent()
            # The shop moves Valentine's offer to a later start: Mario's contact, still planned, follows;
            # Lucia's, already sent, is history and stays as it was.
            campaign.date_start = D(2027, 2, 5)
            mario, lucia = (offers.filtered(lambda c, p=p: c.partner_id == p) for p in (self.mario, self.lucia))
            self.assertEqual((mario.scheduled_date, mario.state), (D(2027, 2, 5), "planned"))
            self.assertEqual((lucia.scheduled_date, lucia.state), (D(2027, 2, 1), "sent"))
            self.assertEqual(self.plan(D(2027, 1, 28)), 0, "moved, not planned a second time")

    def test_supplier_campaign_needs_a_supplier_and_is_tracked_as_such(self):
        with self.assertRaisesRegex(ValidationError, "Supplier"):
            self.campaign(is_supplier_campaign=True)
        maker = self.env["res.partner"].create({"name": "Lens Maker SpA", "is_company": True})
        with freeze_time("2027-02-01 10:00:00"):
            campaign = self.campaign(is_supplier_campaign=True, supplier_id=maker.id)
            campaign.action_schedule()
            self.plan(D(2027, 2, 1))
        self.assertEqual(set(self.communications(campaign_id=campaign.id).mapped("source")), {"supplier_campaign"})

    def test_step_outside_the_campaign_names_the_field(self):
        with self.assertRaisesRegex(ValidationError, "Day"):
            self.campaign(step_ids=[(0, 0, {"name": "Late", "day_offset": 40, "channel": "export"})])
