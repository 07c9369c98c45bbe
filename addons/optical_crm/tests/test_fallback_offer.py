import datetime

from freezegun import freeze_time

from odoo.tests import new_test_user, tagged

from .common import OpticalCrmCase

D = datetime.date
TODAY = "2027-03-01 10:00:00"


@tagged("post_install", "-at_install", "optical_crm")
class TestFallbackOffer(OpticalCrmCase):
    """A supplier's offer with alternative channels: a shop that joins gets
    its own lines, the same channels in the same order, following the
    supplier's changes; the supplier's lines stay the supplier's."""

    def test_joined_steps_follow_the_offers_alternatives(self):
        self.env["optical.crm.campaign.participation"].search([]).unlink()
        maker = self.env["res.partner"].create({"name": "LenteViva S.p.A.", "is_company": True})
        shop_x = self.env["res.company"].create({"name": "Ottica Alternativa"})
        owner_x = new_test_user(self.env, "owner_fallback", groups="optical_crm.group_optical_crm_manager",
                                company_id=shop_x.id, company_ids=[shop_x.id])
        with freeze_time(TODAY):
            offer = self.env["optical.crm.campaign"].with_user(owner_x).create({
                "name": "LenteViva week", "is_supplier_campaign": True, "supplier_id": maker.id,
                "company_id": shop_x.id, "date_start": D(2027, 3, 1), "date_end": D(2027, 3, 14),
                "offer_company_ids": [(6, 0, shop_x.ids)],
                "step_ids": [(0, 0, {"name": "Invitation", "day_offset": 0, "channel": "email",
                                     "body": "Hello {{ object.first_name }}",
                                     "fallback_ids": [(0, 0, {"channel": "phone", "sequence": 1}),
                                                      (0, 0, {"channel": "export", "sequence": 2})]})],
            })
            offer.action_schedule()
            participation = self.env["optical.crm.campaign.participation"].with_user(owner_x).search(
                [("offer_id", "=", offer.id), ("company_id", "=", shop_x.id)])
            participation.action_join()
        offer_step = offer.step_ids
        own_step = participation.campaign_id.step_ids
        self.assertEqual(own_step._optical_chain(), ["email", "phone", "export"])
        self.assertFalse(own_step.fallback_ids & offer_step.fallback_ids)
        # The supplier reorders its alternatives: the shop's step follows, the supplier keeps its own lines.
        with freeze_time(TODAY):
            offer_step.with_user(owner_x).action_fallback_cheapest_first()
        self.assertEqual(offer_step._optical_chain(), ["email", "export", "phone"])
        self.assertEqual(own_step._optical_chain(), ["email", "export", "phone"])
        self.assertFalse(own_step.fallback_ids & offer_step.fallback_ids)
        self.assertEqual(offer_step.fallback_ids.campaign_step_id, offer_step)
