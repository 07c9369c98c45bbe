from odoo import fields
from odoo.tests import tagged

from .common_tour import OpticalTourCase


@tagged("post_install", "-at_install", "optical_crm", "optical_crm_tour")
class TestTourSupplier(OpticalTourCase):
    """In a browser, a shop owner finds the supplier campaign offered to the
    shop in its menu, joins it, and picks the shop's target among the
    ready-made segments, seeing its reach."""

    def test_owner_joins_a_supplier_campaign_and_picks_a_segment(self):
        shop = self.env["res.company"].create({"name": "Tour Ottica"})
        # The tour reads English texts: the owner works in English, whatever language the database
        # was created in (an Italian one may not even have English active).
        self.env["res.lang"]._activate_lang("en_US")
        self.shop_user(self.env, "tour_supplier_owner", "Olga Titolare", shop, owner=True, lang="en_US")
        maker = self.env["res.partner"].create({"name": "Tour LenteViva S.p.A.", "is_company": True})
        segment = self.env["optical.crm.segment"].create({"name": "Tour wearers", "criterion": "sms_consent"})
        today = fields.Date.today()
        offer = self.env["optical.crm.campaign"].create({
            "name": "Tour LenteViva", "is_supplier_campaign": True, "supplier_id": maker.id,
            "date_start": today, "date_end": fields.Date.add(today, days=10),
            "offer_company_ids": [(6, 0, shop.ids)],
            "step_ids": [(0, 0, {"name": "Invitation", "day_offset": 0, "channel": "export", "body": "Ciao!"})],
        })
        offer.action_schedule()
        self.start_tour("/odoo/action-optical_crm.optical_crm_campaign_action", "optical_crm_supplier_campaign_tour",
                        login="tour_supplier_owner", timeout=180)
        participation = offer.participation_ids
        self.assertEqual(participation.state, "joined")
        self.assertEqual(participation.campaign_id.segment_ids, segment)
        self.assertEqual(participation.campaign_id.company_id, shop)
