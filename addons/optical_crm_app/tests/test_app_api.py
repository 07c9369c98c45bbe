import base64
import datetime

from odoo import fields
from odoo.tests import Form, tagged
from odoo.tools.misc import file_open

from .common import OpticalAppCase


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppApi(OpticalAppCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with file_open("optical_crm_app/static/img/promotion_demo.png", "rb") as image:
            cls.cover = base64.b64encode(image.read())
        today = fields.Date.today()
        cls.Campaign = cls.env["optical.crm.campaign"]

        def campaign(name, shop, channel="app", **values):
            return cls.Campaign.create({
                "name": name, "company_id": shop.id, "date_start": today - datetime.timedelta(days=1),
                "date_end": today + datetime.timedelta(days=20), "state": "running",
                "step_ids": [(0, 0, {"name": "Step", "channel": channel, "day_offset": 0, "body": "Saldi!"})],
                **values,
            })

        cls.promo_a = campaign("San Valentino", cls.shop_a, app_cover_image=cls.cover,
                               app_detail="<p>Two pairs for the price of one</p>")
        cls.promo_plain = campaign("Back to school", cls.shop_a, description="<p>Kids' frames -20%</p>")
        cls.sms_only = campaign("SMS only", cls.shop_a, channel="sms")
        cls.draft = campaign("Not yet", cls.shop_a, state="draft")
        cls.promo_b = campaign("Natale", cls.shop_b, app_cover_image=cls.cover)
        cls.promo_lucia = campaign("Only for Lucia", cls.shop_a, partner_domain="[('id', '=', %s)]" % cls.lucia.id)
        # Whatever else the shops were running is over.
        mine = cls.promo_a | cls.promo_plain | cls.sms_only | cls.draft | cls.promo_b | cls.promo_lucia
        cls.Campaign.search([("company_id", "in", (cls.shop_a | cls.shop_b).ids), ("id", "not in", mine.ids),
                             ("state", "=", "running")]).write({"state": "done"})

    def test_messages_newest_first_paginated_and_only_the_callers(self):
        key = self.pair(self.mario)
        lucia = self.pair(self.lucia)
        communications = self.Communication
        for number in range(5):
            communications |= self.send(self.app_communication(self.mario, subject="Message %s" % number))
        self.send(self.app_communication(self.lucia, subject="For Lucia"))
        page = self.call("GET", "/messages?limit=2", key=key).json()
        self.assertEqual([m["title"] for m in page["messages"]], ["Message 4", "Message 3"])
        self.assertEqual((page["total"], page["unread"], page["limit"], page["offset"]), (5, 5, 2, 0))
        page = self.call("GET", "/messages?limit=2&offset=4", key=key).json()
        self.assertEqual([m["title"] for m in page["messages"]], ["Message 0"])
        first = page["messages"][0]
        self.assertEqual((first["text"], first["read"], first["link_url"]), ("A message for you", False, None))
        self.assertRegex(first["date"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        self.assertEqual([m["title"] for m in self.call("GET", "/messages", key=lucia).json()["messages"]],
                         ["For Lucia"])
        self.assertJsonError(self.call("GET", "/messages?limit=0", key=key), 400, "limit")
        self.assertJsonError(self.call("GET", "/messages?limit=abc", key=key), 400, "limit")
        self.assertJsonError(self.call("GET", "/messages?offset=-1", key=key), 400, "offset")

    def test_reading_a_message_counts_as_opened(self):
        key = self.pair(self.mario)
        communication = self.send(self.app_communication(self.mario))
        message = communication.app_message_ids
        response = self.call("POST", "/messages/%s/read" % message.id, key=key)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertTrue(response.json()["read"])
        self.assertTrue(message.is_read)
        self.assertTrue(communication.opened)
        opened_date = communication.opened_date
        self.assertTrue(opened_date)
        # Reading again changes nothing.
        self.call("POST", "/messages/%s/read" % message.id, key=key)
        self.assertEqual(communication.opened_date, opened_date)
        self.assertEqual(self.call("GET", "/messages", key=key).json()["unread"], 0)

    def test_another_customers_message_is_not_found(self):
        self.pair(self.mario)
        lucia = self.pair(self.lucia)
        bruno = self.pair(self.bruno, user=self.staff_b)
        message = self.send(self.app_communication(self.mario)).app_message_ids
        for key in (lucia, bruno):
            self.assertJsonError(self.call("POST", "/messages/%s/read" % message.id, key=key), 404, "message")
        self.assertJsonError(self.call("POST", "/messages/999999999/read", key=lucia), 404, "message")
        self.assertFalse(message.is_read)

    def test_promotions_of_the_customers_shop(self):
        key = self.pair(self.mario)
        promotions = self.call("GET", "/promotions", key=key).json()["promotions"]
        self.assertEqual(sorted(p["title"] for p in promotions), ["Back to school", "San Valentino"])
        valentine = next(p for p in promotions if p["title"] == "San Valentino")
        self.assertEqual(valentine["detail_html"], "<p>Two pairs for the price of one</p>")
        self.assertEqual(valentine["date_end"], fields.Date.to_string(self.promo_a.date_end))
        school = next(p for p in promotions if p["title"] == "Back to school")
        # Without an app page, the campaign's description is shown; without a cover, no URL.
        self.assertEqual((school["detail_html"], school["cover_image_url"]), ("<p>Kids' frames -20%</p>", None))
        # The cover is served to the app, with its key.
        url = valentine["cover_image_url"]
        self.assertTrue(url.startswith(self.base_url() + "/optical_app/v1/promotions/%s/cover" % self.promo_a.id))
        image = self.opener.get(url, headers={"Authorization": "Bearer %s" % key}, timeout=12)
        self.assertEqual(image.status_code, 200)
        self.assertEqual(image.headers["Content-Type"], "image/png")
        self.assertEqual(base64.b64encode(image.content), self.cover)
        self.assertJsonError(self.opener.get(url, timeout=12), 401, "Authorization")

    def test_promotions_are_isolated_between_shops(self):
        mario = self.pair(self.mario)
        bruno = self.pair(self.bruno, user=self.staff_b)
        self.assertEqual([p["title"] for p in self.call("GET", "/promotions", key=bruno).json()["promotions"]],
                         ["Natale"])
        # Another shop's cover, a campaign without app step or not running: not found.
        for campaign in (self.promo_b, self.sms_only, self.draft, self.promo_plain):
            self.assertJsonError(self.call("GET", "/promotions/%s/cover" % campaign.id, key=mario), 404, "promotion")
        # A campaign aimed at other customers is not shown.
        self.assertJsonError(self.call("GET", "/promotions/%s/cover" % self.promo_lucia.id, key=mario), 404,
                             "promotion")
        lucia = self.pair(self.lucia)
        self.assertIn("Only for Lucia",
                      [p["title"] for p in self.call("GET", "/promotions", key=lucia).json()["promotions"]])
        self.promo_a.state = "done"
        self.assertJsonError(self.call("GET", "/promotions/%s/cover" % self.promo_a.id, key=mario), 404, "promotion")
        self.assertEqual([p["title"] for p in self.call("GET", "/promotions", key=mario).json()["promotions"]],
                         ["Back to school"])

    def test_analysis_counts_sent_read_and_purchases(self):
        key = self.pair(self.mario)
        self.pair(self.lucia)
        read, unread = self.send(self.app_communication(self.mario) | self.app_communication(self.lucia))
        self.send(self.app_communication(self.customer("Senza App")))  # skipped: not an app message sent
        self.call("POST", "/messages/%s/read" % read.app_message_ids.id, key=key)
        self.event(self.mario, "glasses_entry", fields.Date.today())
        self.Communication._update_purchases()
        Report = self.env["optical.app.report"].with_user(self.owner)
        totals = Report._read_group([("partner_id", "in", (self.mario | self.lucia).ids)], [],
                                    ["sent_count:sum", "read_count:sum", "purchase_count:sum"])
        self.assertEqual(totals, [(2, 1, 1)])
        self.assertEqual(Report.search([("purchased_after_contact", "=", True)]).partner_id, self.mario)
        # Lucia's message was sent but not read: sent and not opened, in the ledger as in the report.
        self.assertEqual((unread.state, unread.opened, unread.app_message_ids.is_read), ("sent", False, False))
        self.assertEqual((read.state, read.opened), ("sent", True))

    def test_campaign_form_gains_the_app_page(self):
        form = Form(self.Campaign.with_user(self.owner))
        form.name = "Black Friday"
        form.date_start = fields.Date.today()
        form.date_end = fields.Date.today() + datetime.timedelta(days=3)
        with form.step_ids.new() as step:
            step.name = "In the app"
            step.channel = "app"
        form.app_cover_image = self.cover
        form.app_detail = "<p>All frames -30%</p>"
        campaign = form.save()
        self.assertTrue(campaign.is_app_promotion)
        self.assertEqual(str(campaign.app_detail), "<p>All frames -30%</p>")
        self.assertTrue(campaign.app_cover_image)

    def test_staff_see_app_messages_of_their_shops_only(self):
        self.pair(self.mario)
        self.pair(self.bruno, user=self.staff_b)
        mine = self.send(self.app_communication(self.mario)).app_message_ids
        theirs = self.send(self.app_communication(self.bruno)).app_message_ids
        Message = self.env["optical.app.message"]
        self.assertEqual(Message.with_user(self.staff_a).search([("id", "in", (mine | theirs).ids)]), mine)
        self.assertEqual(Message.with_user(self.staff_b).search([("id", "in", (mine | theirs).ids)]), theirs)
        self.assertEqual(Message.with_user(self.owner).search([("id", "in", (mine | theirs).ids)]), mine | theirs)
        # The customer form (with its devices) opens for the staff.
        form = Form(self.mario.with_user(self.staff_a))
        self.assertEqual(form.optical_app_device_count, 1)
