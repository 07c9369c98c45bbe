import datetime

from odoo.tests import Form, TransactionCase, tagged

from .common import OpticalCrmCase

D = datetime.date


def plain_contact(env, name, **values):
    """A contact as Odoo creates one by hand: no company."""
    return env["res.partner"].create({
        "name": name, "optical_consent_marketing": True, "optical_consent_sms": True,
        "optical_consent_app": True, **values,
    })


def birthday_cycle(env):
    return env["optical.crm.cycle"].create({
        "name": "Buon compleanno", "event_type": "birthday",
        "step_ids": [(0, 0, {"name": "Wish", "interval_number": 0, "interval_unit": "days", "channel": "export",
                             "body": "Auguri {{ object.first_name }}"})],
    })


def campaign(env, shop):
    return env["optical.crm.campaign"].create({
        "name": "San Valentino", "company_id": shop.id, "date_start": D(2027, 2, 1), "date_end": D(2027, 2, 20),
        "state": "scheduled",
        "step_ids": [(0, 0, {"name": "Offer", "day_offset": 0, "channel": "export"})],
    })


@tagged("post_install", "-at_install", "optical_crm")
class TestCustomerShopSingleShop(TransactionCase):
    """A plain single-shop database: contacts have no company (the field is
    not even shown), and they are the shop's customers all the same."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.shop = cls.env.company
        # A single shop, as on a shop's first day (whatever else the database holds is archived).
        cls.env["res.company"].search([("id", "!=", cls.shop.id)]).write({"active": False})
        cls.env["optical.crm.cycle"].search([]).write({"active": False})
        cls.env["optical.crm.campaign"].search([]).write({"state": "cancelled"})
        cls.Communication = cls.env["optical.crm.communication"]

    def plan(self, today):
        return self.Communication._plan_company(self.shop, today - datetime.timedelta(days=3),
                                                today + datetime.timedelta(days=7))

    def test_contact_without_company_belongs_to_the_shop(self):
        self.assertEqual(self.env["res.company"].search_count([]), 1)
        rita = plain_contact(self.env, "Rita Neri", birthdate=D(1980, 2, 3))
        self.assertFalse(rita.company_id)
        self.assertEqual(rita.optical_shop_id, self.shop)
        # The customer form shows the shop the rule picked.
        with Form(rita) as form:
            self.assertEqual(form.optical_shop_id, self.shop)
        # Birthday wishes.
        birthday_cycle(self.env)
        self.plan(D(2027, 2, 1))
        wish = self.Communication.search([("partner_id", "=", rita.id)])
        self.assertEqual((wish.scheduled_date, wish.company_id, wish.state), (D(2027, 2, 3), self.shop, "planned"))
        # Campaigns.
        valentine = campaign(self.env, self.shop)
        self.assertIn(rita, self.env["res.partner"].search(valentine._target_domain()))
        self.plan(D(2027, 2, 1))
        offer = self.Communication.search([("partner_id", "=", rita.id), ("campaign_id", "=", valentine.id)])
        self.assertEqual(offer.company_id, self.shop)

    def test_existing_contacts_are_reached_without_editing(self):
        # A contact written before the module's rule (or by SQL): the set-based update reaches it.
        rita = plain_contact(self.env, "Rita Neri")
        rita.flush_recordset()
        self.env.cr.execute("UPDATE res_partner SET optical_shop_id = NULL WHERE id = %s", [rita.id])
        rita.invalidate_recordset()
        self.assertFalse(rita.optical_shop_id)
        self.env["res.partner"]._optical_update_shops()
        self.assertEqual(rita.optical_shop_id, self.shop)

    def test_a_second_shop_ends_the_single_shop_fallback(self):
        rita = plain_contact(self.env, "Rita Neri")
        self.assertEqual(rita.optical_shop_id, self.shop)
        second = self.env["res.company"].create({"name": "Ottica Nuova"})
        self.assertFalse(rita.optical_shop_id)
        second.active = False
        self.assertEqual(rita.optical_shop_id, self.shop)


@tagged("post_install", "-at_install", "optical_crm")
class TestCustomerShopTwoShops(OpticalCrmCase):
    """Two shops: a contact without company belongs to the shop of their most
    recent trigger event; with none, to no shop."""

    def test_shop_of_most_recent_event_then_company(self):
        rita = plain_contact(self.env, "Rita Neri", birthdate=D(1980, 2, 3))
        self.assertFalse(rita.optical_shop_id, "two shops and no event: no shop can be chosen")
        self.event(rita, "optometry", D(2026, 5, 1), shop=self.shop_b)
        self.assertEqual(rita.optical_shop_id, self.shop_b)
        # An older event elsewhere does not move her; a newer one does.
        self.event(rita, "optometry", D(2026, 1, 1), shop=self.shop_a)
        self.assertEqual(rita.optical_shop_id, self.shop_b)
        newer = self.event(rita, "glasses_delivery", D(2026, 6, 1), shop=self.shop_a)
        self.assertEqual(rita.optical_shop_id, self.shop_a)
        newer.active = False
        self.assertEqual(rita.optical_shop_id, self.shop_b)
        # The company, when set, wins.
        rita.company_id = self.shop_a
        self.assertEqual(rita.optical_shop_id, self.shop_a)

    def test_birthdays_and_campaigns_reach_contacts_without_company(self):
        self.cycle("birthday", [(0, "days", "export")])
        rita = plain_contact(self.env, "Rita Neri", birthdate=D(1980, 2, 3))
        nobody = plain_contact(self.env, "Senza Negozio", birthdate=D(1980, 2, 3))
        self.event(rita, "optometry", D(2026, 5, 1), shop=self.shop_b)
        valentine_a, valentine_b = campaign(self.env, self.shop_a), campaign(self.env, self.shop_b)
        self.plan(D(2027, 2, 1), shop=self.shop_a)
        self.plan(D(2027, 2, 1), shop=self.shop_b)
        wishes = self.communications(partner_id=rita.id, source="cycle")
        self.assertEqual((wishes.scheduled_date, wishes.company_id), (D(2027, 2, 3), self.shop_b))
        self.assertEqual(self.communications(partner_id=rita.id, source="campaign").campaign_id, valentine_b)
        self.assertNotIn(rita, self.env["res.partner"].search(valentine_a._target_domain()))
        self.assertFalse(self.communications(partner_id=nobody.id))

    def test_texts_in_the_shops_language_when_the_customers_is_missing(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.shop_b.partner_id.lang = "it_IT"
        cycle = self.cycle("optometry", [(0, "days", "export")])
        cycle.step_ids.update_field_translations("body", {"it_IT": "Ciao {{ object.first_name }}"})
        rita = plain_contact(self.env, "Rita Neri")
        self.env.cr.execute("UPDATE res_partner SET lang = 'fr_FR' WHERE id = %s", [rita.id])
        rita.invalidate_recordset(["lang"])
        self.event(rita, "optometry", D(2026, 3, 2), shop=self.shop_b)
        self.plan(D(2026, 3, 2), shop=self.shop_b)
        export = self.communications(partner_id=rita.id)
        self.assertEqual(export._rendered_texts()[export.id][1], "Ciao Rita")
