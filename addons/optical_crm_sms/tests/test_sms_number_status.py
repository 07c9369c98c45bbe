from odoo import Command
from odoo.tests import tagged
from odoo.tools import SQL

from odoo.addons.optical_crm.tools.phone import normalize_mobile

from .common import OpticalSmsCommon

# Untidy numbers as shops type them: none, blank, too short, a landline, a
# landline with a prefix, a short mobile, valid mobiles in three spellings.
MOBILES = [False, "", "  ", "12 34", "06 1234 5678", "+39 06 555 1234", "347 555", "347 123 4567",
           "0039 348 765 4321", "+39 349 000 1111"]


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsNumberStatus(OpticalSmsCommon):
    """A customer's SMS-ability is read once, when the number or the phone
    blacklist changes, and the planner's and the rules' SQL read it as they
    read consent, with the verdicts of the Python rule."""

    def _status(self, partner):
        partner.invalidate_recordset(["optical_sms_number", "optical_sms_status"])
        return partner.optical_sms_status, partner.optical_sms_number

    def test_status_follows_the_number_and_the_blacklist(self):
        customer = self._make_customers(["Anna Mobile"], ["347 123 4567"], company_id=False)
        self.assertEqual(self._status(customer), ("ok", "+393471234567"))
        customer.mobile = "06 1234 5678"
        self.assertEqual(self._status(customer), ("landline", "+390612345678"))
        customer.mobile = "12 34"
        self.assertEqual(self._status(customer), ("invalid", False))
        customer.mobile = False
        self.assertEqual(self._status(customer), ("missing", False))
        customer.mobile = "+39 347 123 4567"
        Blacklist = self.env["phone.blacklist"].sudo()
        Blacklist.add("+393471234567")
        self.assertEqual(self._status(customer), ("blacklist", "+393471234567"))
        Blacklist.remove("+393471234567")
        self.assertEqual(self._status(customer), ("ok", "+393471234567"))
        # An entry written by hand, archived and deleted.
        entry = Blacklist.create({"number": "+393471234567"})
        self.assertEqual(self._status(customer)[0], "blacklist")
        entry.active = False
        self.assertEqual(self._status(customer)[0], "ok")
        entry.active = True
        entry.unlink()
        self.assertEqual(self._status(customer)[0], "ok")
        # A landline on the blacklist stays a landline (its reason comes first).
        customer.mobile = "06 1234 5678"
        Blacklist.add("+390612345678")
        self.assertEqual(self._status(customer)[0], "landline")
        # A number blacklisted before the customer types it.
        Blacklist.add("+393480000001")
        customer.mobile = "348 000 0001"
        self.assertEqual(self._status(customer), ("blacklist", "+393480000001"))
        # STOP by SMS.
        other = self._make_customers(["Bruno Stop"], ["349 222 3333"])
        self.env["res.partner"]._optical_sms_inbound("+393492223333", "STOP")
        self.assertEqual(self._status(other), ("blacklist", "+393492223333"))

    def test_numbers_are_read_in_the_shop_country(self):
        french = self.env["res.company"].create({"name": "Optique Dupont", "country_id": self.env.ref("base.fr").id})
        customer = self._make_customers(["Jeanne"], ["06 12 34 56 78"], company_id=french.id)
        self.assertEqual(self._status(customer), ("ok", "+33612345678"))
        # No company: the shop of the last event, set in SQL (``_optical_update_shops``).
        drifter = self._make_customers(["Sans Boutique"], ["06 12 34 56 79"], company_id=False)
        self.assertEqual(self._status(drifter)[0], "landline")
        self.env["optical.crm.event"].create({"partner_id": drifter.id, "event_type": "optometry",
                                              "company_id": french.id, "event_date": "2026-01-10"})
        self.assertEqual(drifter.optical_shop_id, french)
        self.assertEqual(self._status(drifter), ("ok", "+33612345679"))

    def test_set_based_fill_matches_the_compute(self):
        """The fill of a database updated to this module (and of partners
        written in SQL) gives what the ORM's compute gives."""
        french = self.env["res.company"].create({"name": "Optique Dupont", "country_id": self.env.ref("base.fr").id})
        self.env["phone.blacklist"].sudo().add("+393471234567")
        partners = self._make_customers(["Cliente %s" % i for i in range(len(MOBILES))], MOBILES, company_id=False)
        partners |= self._make_customers(["Client %s" % i for i in range(3)],
                                         ["06 12 34 56 78", "01 23 45 67 89", "347 123 4567"], company_id=french.id)
        partners.flush_recordset()
        computed = {p.id: (p.optical_sms_status, p.optical_sms_number) for p in partners}
        self.assertEqual(len({status for status, _number in computed.values()}), 5, computed)
        self.env.cr.execute(SQL(
            "UPDATE res_partner SET optical_sms_status = NULL, optical_sms_number = NULL WHERE id IN %s",
            tuple(partners.ids)))
        self.assertEqual(self.env["res.partner"]._optical_sms_fill(partners.ids), len(partners))
        self.assertEqual({p.id: self._status(p) for p in partners}, computed)
        # Nothing changed: nothing written.
        self.assertEqual(self.env["res.partner"]._optical_sms_fill(partners.ids), 0)

    def test_planner_and_rules_match_the_python_rule(self):
        """The SMS number rule in SQL (the planner's INSERT, the rules'
        UPDATE) gives, customer by customer, the skip code and reason of
        its Python twin ``_sms_number_skip`` on ``normalize_mobile``."""
        Communication = self.env["optical.crm.communication"]
        self.env["phone.blacklist"].sudo().add("+393490001111")
        partners = self._make_customers(["Cliente %s" % i for i in range(len(MOBILES))], MOBILES, company_id=False)
        today = self.shop._optical_today()
        self.env["optical.crm.event"].create([{
            "partner_id": partner.id, "event_type": "optometry", "company_id": self.shop.id,
            "event_date": today.replace(year=today.year - 1),
        } for partner in partners])
        blacklisted = {"+393490001111"}

        def expected(partner):
            number = normalize_mobile(partner.mobile or "", "IT")
            skip = Communication._sms_number_skip(number, partner.mobile or "", blacklisted)
            return ("skipped", *skip, False) if skip else ("planned", False, False, number.e164)

        def verdicts():
            self.env.invalidate_all()
            rows = Communication.search([("partner_id", "in", partners.ids), ("cycle_step_id", "=", self.step_sms.id)])
            self.assertEqual(rows.partner_id, partners)
            return {c.partner_id: (c.state, c.skip_code, c.skip_reason,
                                   c.sms_number if c.state == "planned" else False) for c in rows}

        Communication._plan_company(self.shop, today, today)
        twins = {partner: expected(partner) for partner in partners}
        self.assertEqual(len(set(twins.values())), len(MOBILES) - 2, twins)
        self.assertEqual(verdicts(), twins)
        # The rules' UPDATE, on rows planned without them, says the same.
        self.env.cr.execute(SQL(
            """UPDATE optical_crm_communication SET state = 'planned', skip_code = NULL, skip_reason = NULL,
                      sms_number = NULL WHERE partner_id IN %s""", tuple(partners.ids)))
        Communication._apply_rules_for_partners(partners)
        self.assertEqual(verdicts(), twins)
        # In the customers' language.
        self.env["res.lang"]._activate_lang("it_IT")
        partners.write({"lang": "it_IT"})
        Communication.with_context(lang="it_IT")._apply_rules_for_partners(partners)
        italian = Communication.with_context(lang="it_IT")
        self.assertEqual(
            verdicts()[partners[4]][2], italian._sms_number_skip(normalize_mobile("06 1234 5678", "IT"), "", set())[1])

    def test_fallback_passes_over_a_bad_number_in_the_planner(self):
        """A step with alternatives passes over an invalid number to e-mail
        in the planner's INSERT and again in the rules."""
        self.step_sms.fallback_ids = [Command.create({"channel": "email", "sequence": 1})]
        partners = self._make_customers(["Fisso", "Buono"], ["06 1234 5678", "347 123 4567"],
                                        email="cliente@example.com")
        today = self.shop._optical_today()
        self.env["optical.crm.event"].create([{
            "partner_id": partner.id, "event_type": "optometry", "company_id": self.shop.id,
            "event_date": today.replace(year=today.year - 1),
        } for partner in partners])
        Communication = self.env["optical.crm.communication"]
        Communication._plan_company(self.shop, today, today)
        rows = Communication.search([("partner_id", "in", partners.ids), ("cycle_step_id", "=", self.step_sms.id)])
        by_partner = {c.partner_id: c for c in rows}
        landline, good = partners
        self.assertEqual((by_partner[landline].channel, by_partner[landline].state), ("email", "planned"))
        self.assertIn("+390612345678", by_partner[landline].fallback_note)
        self.assertEqual((by_partner[good].channel, by_partner[good].sms_number), ("sms", "+393471234567"))
        # The number is fixed, the other one breaks: the rules choose again.
        landline.mobile, good.mobile = "347 765 4321", "12 34"
        Communication._apply_rules_for_partners(partners)
        self.assertEqual((by_partner[landline].channel, by_partner[landline].sms_number), ("sms", "+393477654321"))
        self.assertEqual((by_partner[good].channel, by_partner[good].state), ("email", "planned"))
