import datetime
import json

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged

from .common import API, OpticalAppCase


def app_campaign(env, name, shop):
    today = fields.Date.today()
    return env["optical.crm.campaign"].create({
        "name": name, "company_id": shop.id, "state": "running",
        "date_start": today - datetime.timedelta(days=1), "date_end": today + datetime.timedelta(days=20),
        "step_ids": [(0, 0, {"name": "Step", "channel": "app", "day_offset": 0})],
    })


def plain_contact(env, name):
    """A contact as Odoo creates one by hand: no company."""
    return env["res.partner"].create({"name": name, "optical_consent_marketing": True, "optical_consent_app": True})


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppPromotionsSingleShop(HttpCase):
    """A single-shop database: a contact with no company sees the shop's promotions."""

    def test_contact_without_company_sees_the_shops_promotions(self):
        shop = self.env.company
        self.env["res.company"].search([("id", "!=", shop.id)]).write({"active": False})
        self.env["optical.crm.campaign"].search([("state", "=", "running")]).write({"state": "done"})
        staff = new_test_user(self.env, "staff_single", groups="optical_crm.group_optical_crm_user",
                              company_id=shop.id, company_ids=[shop.id])
        rita = plain_contact(self.env, "Rita Neri")
        app_campaign(self.env, "Saldi di primavera", shop)
        code = rita.with_user(staff).optical_app_generate_pairing_code()
        self.authenticate(None, None)
        response = self.url_open(API + "/pair", data=json.dumps({"pairing_code": code}),
                                 headers={"Content-Type": "application/json"}, timeout=12)
        self.assertEqual(response.status_code, 200, response.text)
        key = response.json()["api_key"]
        promotions = self.url_open(API + "/promotions", headers={"Authorization": "Bearer %s" % key},
                                   timeout=12).json()["promotions"]
        self.assertEqual([p["title"] for p in promotions], ["Saldi di primavera"])


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppPromotionsTwoShops(OpticalAppCase):
    """Two shops: a contact with no company sees the promotions of the shop of
    their most recent trigger event, and only those."""

    def test_contact_without_company_sees_the_promotions_of_their_shop(self):
        self.env["optical.crm.campaign"].search([("state", "=", "running")]).write({"state": "done"})
        app_campaign(self.env, "Promo Centrale", self.shop_a)
        app_campaign(self.env, "Promo Corso", self.shop_b)
        rita = plain_contact(self.env, "Rita Neri")
        self.event(rita, "optometry", fields.Date.today() - datetime.timedelta(days=30), shop=self.shop_b)
        key = self.pair(rita, user=self.staff_b)
        titles = [p["title"] for p in self.call("GET", "/promotions", key=key).json()["promotions"]]
        self.assertEqual(titles, ["Promo Corso"])
        # She buys her next pair in the other shop: its promotions follow her.
        self.event(rita, "glasses_delivery", fields.Date.today(), shop=self.shop_a)
        titles = [p["title"] for p in self.call("GET", "/promotions", key=key).json()["promotions"]]
        self.assertEqual(titles, ["Promo Centrale"])


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppMissingLanguage(OpticalAppCase):

    def test_a_language_the_database_lacks_falls_back_to_the_shops(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.shop_a.partner_id.lang = "it_IT"
        self.env["optical.crm.campaign"].search([("state", "=", "running")]).write({"state": "done"})
        promo = app_campaign(self.env, "Back to school", self.shop_a)
        promo.with_context(lang="it_IT").name = "Ritorno a scuola"
        key = self.pair(self.mario)
        self.env.cr.execute("UPDATE res_partner SET lang = 'fr_FR' WHERE id = %s", [self.mario.id])
        self.env.invalidate_all()
        for path in ("/promotions", "/messages"):
            response = self.call("GET", path, key=key)
            self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual([p["title"] for p in self.call("GET", "/promotions", key=key).json()["promotions"]],
                         ["Ritorno a scuola"])
