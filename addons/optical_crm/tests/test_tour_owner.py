from odoo.tests import tagged

from .common_tour import OpticalTourCase


@tagged("post_install", "-at_install", "optical_crm", "optical_crm_tour")
class TestTourOwner(OpticalTourCase):
    """The shop owner creates and schedules a campaign, plans it now, then
    opens its communications from the button that counts them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        shop = cls.env.company
        cls.shop_user(cls.env, "tour_owner", "Anna Titolare", shop, owner=True, italian=True)
        for name in ("Tour Carla Bruni", "Tour Dario Fo", "Tour Ezio Greggio"):
            cls.env["res.partner"].create({"name": name, "company_id": shop.id, "optical_consent_marketing": True})

    def test_owner_schedules_a_campaign(self):
        self.start_tour("/odoo/action-optical_crm.optical_crm_campaign_action", "optical_crm_owner_campaign_tour",
                        login="tour_owner", timeout=180)
        campaign = self.env["optical.crm.campaign"].search([("name", "=", "Tour Natale")])
        self.assertEqual(campaign.state, "running")
        planned = campaign.communication_ids.filtered(lambda c: c.state == "planned").partner_id.mapped("name")
        self.assertTrue({"Tour Carla Bruni", "Tour Dario Fo", "Tour Ezio Greggio"} <= set(planned))
