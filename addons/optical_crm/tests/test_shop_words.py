import datetime

from freezegun import freeze_time
from lxml import etree

from odoo.tests import tagged
from odoo.tools.misc import file_open
from odoo.tools.translate import TranslationFileReader

from .common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm")
class TestShopWords(OpticalCrmCase):
    """Words and numbers as a shop reads them (review of 2026-12-07, defects 10, 12, 13, 14)."""

    def campaign(self):
        return self.env["optical.crm.campaign"].create({
            "name": "San Valentino", "date_start": D(2027, 2, 1), "date_end": D(2027, 3, 2),
            "partner_domain": str([("id", "in", (self.mario | self.lucia).ids)]),
            "step_ids": [(0, 0, {"name": "Offer", "day_offset": 0, "channel": "export", "body": "Ciao"})],
        })

    def test_plan_now_says_what_it_planned_or_why_not(self):
        with freeze_time("2027-01-10 10:00:00"):
            campaign = self.campaign()
            campaign.action_schedule()
            answer = campaign.with_user(self.owner).action_plan_now()
            self.assertEqual(answer["tag"], "display_notification")
            message = answer["params"]["message"]
            # Nothing yet: the planner looks 7 days ahead, the campaign starts on 1 February.
            self.assertIn("Nothing new to plan up to %s" % self.shop_date(D(2027, 1, 17)), message)
            self.assertIn("7 days ahead", message)
            self.assertIn(self.shop_date(D(2027, 2, 1)), message)
        with freeze_time("2027-01-28 10:00:00"):
            message = campaign.with_user(self.owner).action_plan_now()["params"]["message"]
            self.assertIn("2 communications planned up to %s" % self.shop_date(D(2027, 2, 4)), message)

    def test_an_open_call_is_not_sent(self):
        arch = etree.fromstring(self.env["optical.crm.communication"].get_views([(False, "form")])["views"]["form"]["arch"])
        statusbar = arch.xpath("//header/field[@name='state']")[0]
        self.assertEqual(statusbar.get("invisible"), "channel == 'phone'")
        self.assertEqual(arch.xpath("//header/field[@name='contact_status']")[0].get("invisible"), "channel != 'phone'")
        for name in ("sent_date", "opened"):
            self.assertIn("channel == 'phone'", arch.xpath("//field[@name='%s']" % name)[0].get("invisible"))
        call = self.env["optical.crm.communication"].create({
            "partner_id": self.mario.id, "company_id": self.shop_a.id, "channel": "phone",
            "scheduled_date": D(2026, 3, 2), "source": "manual", "purpose": "service", "body": "Hello"})
        call._send_phone()
        self.assertEqual(call.contact_status, "Open call")

    def test_shop_kpis_open_on_the_current_year(self):
        action = self.env.ref("optical_crm.optical_crm_kpi_report_action")
        self.assertIn("'search_default_date': 1", action.context)
        search = etree.fromstring(self.env["optical.crm.kpi.report"].get_views([(False, "search")])["views"]["search"]["arch"])
        self.assertEqual(search.xpath("//filter[@name='date']")[0].get("default_period"), "year")

    def test_results_say_their_unit(self):
        fields = self.env["optical.crm.analysis"]._fields
        self.assertIn("×", fields["return_on_cost"].string)
        self.assertNotIn("pts", fields["uplift_low"].string)
        self.assertIn("at least", fields["uplift_low"].string)

    def test_give_up_and_discard_are_different_words(self):
        """In Italian, Odoo's own Discard is "Abbandona" and Cancel is "Annulla": the call's Give up, leaving a
        supplier campaign and cancelling a campaign have words of their own."""
        with file_open("optical_crm/i18n/it.po", "rb") as po_file:
            catalogue = {entry["src"]: entry["value"] for entry in TranslationFileReader(po_file, fileformat="po")}
        words = {msgid: catalogue[msgid] for msgid in ("Give up", "Leave", "Cancel the campaign", "Close")}
        self.assertEqual(len(set(words.values())), len(words), words)
        for msgid, word in words.items():
            self.assertNotIn(word, ("Abbandona", "Annulla"), msgid)

    def test_e_mail_fits_a_phone_and_declares_a_valid_language(self):
        self.shop_a.partner_id.write({"street": "Via Roma 12", "street2": False, "zip": "20121", "city": "Milano"})
        communication = self.env["optical.crm.communication"].create({
            "partner_id": self.mario.id, "company_id": self.shop_a.id, "channel": "email",
            "scheduled_date": D(2026, 3, 2), "source": "manual", "purpose": "service", "subject": "Hi", "body": "Hello"})
        html = communication._render_email_layout({communication.id: "<p>Hello</p>"})[communication.id]
        page = etree.fromstring(str(html).encode(), etree.HTMLParser())
        self.assertRegex(page.get("lang"), r"^[a-z]{2}(-[A-Z]{2})?$")
        for table in page.xpath("//table"):
            self.assertNotRegex(table.get("width", ""), r"^\d+$", "a table of fixed width overflows a phone")
        address = page.xpath("//td[hasclass('o_optical_email_footer')]/span")[0].text
        self.assertNotIn("\n\n", address)
        self.assertFalse([line for line in address.splitlines() if not line.strip()], address)

    def test_a_calls_activity_is_not_a_raw_form_and_the_days_to_contact_are_open(self):
        Communication = self.env["optical.crm.communication"]
        form = etree.fromstring(Communication.get_views([(False, "form")])["views"]["form"]["arch"])
        self.assertIn("no_open", form.xpath("//field[@name='activity_id']")[0].get("options"))
        view = self.env.ref("optical_crm.optical_crm_communication_view_list_to_contact")
        to_contact = etree.fromstring(Communication.get_views([(view.id, "list")])["views"]["list"]["arch"])
        self.assertEqual(to_contact.get("expand"), "1")

    def test_chatter_first_lines_read_as_one_italian_sentence(self):
        """A record's first chatter line agrees in Italian ("Attività ciclica creata", not "creato") and is
        all in the user's language ("Cliente creato", not "Contact creato"), even when the creating code
        runs without a language in its context (imports, demo, the FOCUS sync)."""
        self.env["res.lang"]._activate_lang("it_IT")
        self.env["ir.module.module"].search([("name", "in", ("optical_crm", "mail", "base"))])._update_translations(
            ["it_IT"], overwrite=True)
        self.owner.lang = "it_IT"
        env = self.env(user=self.owner, context={})
        self.assertFalse(env.lang)
        cycle = env["optical.crm.cycle"].create({"name": "Follow-up", "event_type": "optometry"})
        campaign = env["optical.crm.campaign"].create({"name": "Natale", "date_start": D(2027, 12, 1),
                                                        "date_end": D(2027, 12, 24)})
        customer = env["res.partner"].create({"name": "Rita Neri"})
        company = env["res.partner"].create({"name": "Deco Addict", "is_company": True})
        firsts = {record._name + ("/company" if record == company else ""): record.message_ids[-1:].body
                  for record in (cycle, campaign, customer, company)}
        self.assertIn("Attività ciclica creata", firsts["optical.crm.cycle"])
        self.assertIn("Campagna creata", firsts["optical.crm.campaign"])
        self.assertIn("Cliente creato", firsts["res.partner"])
        self.assertIn("Contatto creato", firsts["res.partner/company"])
        # In English for an English-speaking owner.
        self.owner.lang = "en_US"
        self.assertIn("Customer created", self.env(user=self.owner, context={})["res.partner"].create(
            {"name": "Ugo Bassi"}).message_ids[-1:].body)

    def test_the_card_and_the_step_dialog_name_things_as_the_lists_do(self):
        """The customer card labels the mobile as the lists do ("Cellulare", not Odoo's "Dispositivo mobile");
        the step dialog is "Create Step" (not "Create Steps"); grouping by day reads "Due: Day"."""
        card = self.env["res.partner"].get_views(
            [(self.env.ref("optical_crm.res_partner_view_form_customer").id, "form")])["views"]["form"]["arch"]
        self.assertEqual(etree.fromstring(card).xpath("//field[@name='mobile']")[0].get("string"), "Mobile")
        for model in ("optical.crm.cycle", "optical.crm.campaign"):
            arch = etree.fromstring(self.env[model].get_views([(False, "form")])["views"]["form"]["arch"])
            self.assertEqual(arch.xpath("//field[@name='step_ids']")[0].get("string"), "Step", model)
        search = etree.fromstring(self.env["optical.crm.communication"].get_views(
            [(False, "search")])["views"]["search"]["arch"])
        self.assertEqual(search.xpath("//filter[@name='group_by_date']")[0].get("string"), "Due")
