import base64
import datetime

from odoo import fields
from odoo.tests import tagged
from odoo.tools.misc import file_open

from .common import OpticalAppCase


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppSupplierCampaign(OpticalAppCase):
    """A supplier campaign promoted in the app: the shop that joined shows it
    (the supplier's cover and page) to its customers; the offer itself is no
    promotion, and a shop that did not join shows nothing of it."""

    def test_joined_shop_promotes_the_supplier_campaign(self):
        with file_open("optical_crm_app/static/img/promotion_demo.png", "rb") as image:
            cover = base64.b64encode(image.read())
        today = fields.Date.today()
        Campaign = self.env["optical.crm.campaign"]
        Campaign.search([("company_id", "in", (self.shop_a | self.shop_b).ids),
                         ("state", "=", "running")]).write({"state": "done"})
        maker = self.env["res.partner"].create({"name": "LenteViva S.p.A.", "is_company": True})
        offer = Campaign.create({
            "name": "LenteViva days", "is_supplier_campaign": True, "supplier_id": maker.id,
            "company_id": self.shop_a.id, "date_start": today - datetime.timedelta(days=1),
            "date_end": today + datetime.timedelta(days=10), "app_cover_image": cover,
            "app_detail": "<p>Free trial of progressive lenses</p>",
            "offer_company_ids": [(6, 0, (self.shop_a | self.shop_b).ids)],
            "step_ids": [(0, 0, {"name": "In the app", "channel": "app", "day_offset": 0, "body": "Try them!"})],
        })
        offer.action_schedule()
        offer.participation_ids.filtered(lambda p: p.company_id == self.shop_b).action_join()
        mario, bruno = self.pair(self.mario), self.pair(self.bruno, user=self.staff_b)
        self.assertEqual(self.call("GET", "/promotions", key=mario).json()["promotions"], [])
        (promotion,) = self.call("GET", "/promotions", key=bruno).json()["promotions"]
        self.assertEqual((promotion["title"], promotion["detail_html"]),
                         ("LenteViva days", "<p>Free trial of progressive lenses</p>"))
        image = self.opener.get(promotion["cover_image_url"], headers={"Authorization": "Bearer %s" % bruno},
                                timeout=12)
        self.assertEqual(base64.b64encode(image.content), cover)
        # The supplier's new page reaches the shop's promotion.
        offer.app_detail = "<p>Free trial, extended</p>"
        (promotion,) = self.call("GET", "/promotions", key=bruno).json()["promotions"]
        self.assertEqual(promotion["detail_html"], "<p>Free trial, extended</p>")
