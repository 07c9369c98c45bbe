import datetime

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged, users
from odoo.tools import SQL

from ..tools.sms_segments import sms_length
from .common import OpticalSmsCommon


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsSend(OpticalSmsCommon):

    def test_sent_through_sms_queue_and_gateway_in_batches(self):
        self.env["ir.config_parameter"].sudo().set_param("sms.session.batch.size", 2)
        communications = self._plan(self.customers, self.step_sms)
        with self.gateway() as gateway:
            self.env["optical.crm.communication"]._cron_send_communications()
            # Handed over in this transaction: queued in Odoo's SMS queue, nothing sent yet.
            self.assertEqual(set(communications.mapped("state")), {"sent"})
            sms = communications.sms_id
            self.assertEqual(len(sms), 3)
            self.assertEqual(set(sms.mapped("state")), {"outgoing"})
            self.assertEqual(sms.optical_communication_id, communications)
            self.assertFalse(gateway.requests)
            self.env["sms.sms"]._process_queue()
        self.env.invalidate_all()
        self.assertEqual(sorted(gateway.delivered), sorted(communications.mapped("sms_reference")))
        bodies = {body["to"]: body for body in gateway.delivered.values()}
        self.assertEqual(sorted(bodies), ["+393471112233", "+393482223344", "+393493334455"])
        self.assertEqual(bodies["+393471112233"]["text"], "Ciao Anna, è ora del controllo della vista!")
        self.assertEqual(bodies["+393471112233"]["sender"], "OtticaRossi")
        self.assertEqual({auth for _c, auth, _b in gateway.requests}, {"Bearer %s" % self.GATEWAY_KEY})
        # sms.session.batch.size = 2: two batches, each over its own keep-alive connection.
        self.assertEqual(len({client for client, _a, _b in gateway.requests}), 2)
        self.assertEqual(set(sms.mapped("state")), {"pending"})
        self.assertEqual(set(communications.mapped("state")), {"sent"})
        self.assertEqual(communications.mapped("sms_segments"), [1, 1, 1])
        self.assertEqual(communications.mapped("sms_encoding"), ["gsm7"] * 3)
        self.assertAlmostEqual(sum(communications.mapped("sms_cost")), 0.15)

    def test_timeouts_and_5xx_retried_without_double_send(self):
        anna, marco, giulia = self.customers
        communications = self._plan(self.customers, self.step_sms)
        with self.gateway() as gateway:
            self.env["optical.crm.communication"]._cron_send_communications()
            by_partner = {c.partner_id: c for c in communications}
            gateway.plan[by_partner[anna].sms_reference] = ["timeout", "ok"]
            gateway.plan[by_partner[marco].sms_reference] = ["503", "502", "ok"]
            gateway.plan[by_partner[giulia].sms_reference] = ["500", "500", "500"]
            self.env["sms.sms"]._process_queue()
            self.env.invalidate_all()
            self.assertEqual(len(gateway.requests), 2 + 3 + 3)
            self.assertEqual(gateway.references().count(by_partner[anna].sms_reference), 2)
            # The timed-out SMS reached the gateway once: the retry carried the same reference.
            self.assertEqual(sorted(gateway.delivered),
                             sorted([by_partner[anna].sms_reference, by_partner[marco].sms_reference]))
            self.assertEqual(by_partner[anna].sms_id.state, "pending")
            self.assertEqual(by_partner[marco].sms_id.state, "pending")
            self.assertEqual(by_partner[anna].state, "sent")
            # Still failing after the session's attempts: queued for a later run, same reference.
            failed = by_partner[giulia]
            self.assertEqual((failed.sms_id.state, failed.sms_id.optical_attempts), ("outgoing", 1))
            self.assertEqual(failed.state, "sent")
            # Running the sender and the queue again sends nothing twice.
            before = len(gateway.requests)
            self._send()
            self.assertEqual(len(gateway.requests), before)
            # Past the retry deadline it fails, with the gateway's reason.
            gateway.plan[failed.sms_reference] = ["500"] * 6
            with freeze_time(fields.Datetime.now() + datetime.timedelta(hours=25)):
                self._send()
            self.assertEqual(failed.sms_id.state, "error")
            self.assertEqual(failed.sms_id.failure_type, "sms_server")
            self.assertEqual(failed.state, "failed")
            self.assertIn("HTTP 500", failed.failure_reason)
            self.assertIn("3 attempts", failed.failure_reason)
            self.assertEqual(set(gateway.references()) - set(communications.mapped("sms_reference")), set())

    def test_rejected_sms_fails_alone(self):
        communications = self._plan(self.customers, self.step_sms)
        with self.gateway() as gateway:
            self.env["optical.crm.communication"]._cron_send_communications()
            rejected = communications[0]
            gateway.plan[rejected.sms_reference] = ["400"]
            self.env["sms.sms"]._process_queue()
        self.env.invalidate_all()
        self.assertEqual(rejected.state, "failed")
        self.assertIn("HTTP 400", rejected.failure_reason)
        self.assertEqual((communications - rejected).mapped("state"), ["sent", "sent"])
        self.assertEqual(len(gateway.delivered), 2)

    def test_invalid_landline_missing_and_blacklisted_numbers_skipped(self):
        landline, invalid, nomobile, blacklisted = self._make_customers(
            ["Fisso Roma", "Numero Rotto", "Senza Cellulare", "Lista Nera"],
            ["06 1234 5678", "347 12", False, "+39 340 999 8877"])
        self.env["phone.blacklist"].sudo().add("+393409998877")
        valid = self.customers[0]
        communications = self._plan(landline | invalid | nomobile | blacklisted | valid, self.step_sms)
        with self.gateway() as gateway:
            self._send()
        by_partner = {c.partner_id: c for c in communications}
        self.assertEqual(
            {partner.name: (by_partner[partner].state, by_partner[partner].skip_code)
             for partner in by_partner},
            {
                "Fisso Roma": ("skipped", "invalid_number"),
                "Numero Rotto": ("skipped", "invalid_number"),
                "Senza Cellulare": ("skipped", "contact"),
                "Lista Nera": ("skipped", "blacklist"),
                "Anna Bianchi": ("sent", False),
            })
        self.assertIn("Landline", by_partner[landline].skip_reason)
        self.assertIn("+390612345678", by_partner[landline].skip_reason)
        self.assertIn("347 12", by_partner[invalid].skip_reason)
        self.assertIn("STOP", by_partner[blacklisted].skip_reason)
        self.assertFalse((communications - by_partner[valid]).sms_id)
        self.assertEqual([body["to"] for body in gateway.delivered.values()], ["+393471112233"])

    def test_customers_written_in_sql_are_sent_to_by_their_number(self):
        """Customers an import wrote in SQL, with no SMS status computed, get
        their SMS (and a bad number its reason), rather than waiting forever
        as planned."""
        good, landline = self._make_customers(["Importata Buona", "Importata Fissa"], ["347 777 1122", "06 1234 5678"])
        # As Odoo creates a contact: no company; the shop is its event's.
        spaced = self._make_customers(["Importata Senza Negozio"], ["  0039 348-777 3344 "], company_id=False)
        communications = self._plan(good | landline | spaced, self.step_sms)
        self.env.flush_all()
        self.env.cr.execute(SQL("UPDATE res_partner SET optical_sms_status = NULL, optical_sms_number = NULL "
                                "WHERE id IN %s", tuple((good | landline | spaced).ids)))
        self.env.cr.execute(SQL("UPDATE optical_crm_communication SET sms_number = NULL WHERE id IN %s",
                                tuple(communications.ids)))
        self.env.invalidate_all()
        with self.gateway() as gateway:
            self._send()
        by_partner = {c.partner_id: c for c in communications}
        self.assertEqual((by_partner[good].state, by_partner[spaced].state, by_partner[landline].state,
                          by_partner[landline].skip_code), ("sent", "sent", "skipped", "invalid_number"))
        self.assertEqual(sorted(body["to"] for body in gateway.delivered.values()),
                         ["+393477771122", "+393487773344"])

    def test_a_family_sharing_one_mobile_each_get_their_own_sms(self):
        # One mobile for the whole family, written three ways, in one batch
        # with an unusable number: each customer gets their own text, once.
        family = self._make_customers(["Luca Gallo", "Sara Gallo", "Nonna Gallo", "Zio Rotto"],
                                      ["347 777 8899", "+39 3477778899", "0039 347 777 8899", "347 77"])
        communications = self._plan(family, self.step_sms)
        with self.gateway() as gateway:
            self._send()
        by_partner = {c.partner_id.name: c for c in communications}
        self.assertEqual(by_partner["Zio Rotto"].skip_code, "invalid_number")
        family_sms = communications - by_partner["Zio Rotto"]
        self.assertEqual(set(family_sms.mapped("state")), {"sent"})
        self.assertEqual(set(family_sms.mapped("sms_number")), {"+393477778899"})
        self.assertEqual(len(set(family_sms.mapped("sms_reference"))), 3)
        self.assertEqual(sorted((body["to"], body["text"]) for body in gateway.delivered.values()), [
            ("+393477778899", "Ciao Luca, è ora del controllo della vista!"),
            ("+393477778899", "Ciao Nonna, è ora del controllo della vista!"),
            ("+393477778899", "Ciao Sara, è ora del controllo della vista!"),
        ])
        self.assertEqual(sorted(gateway.references()), sorted(family_sms.mapped("sms_reference")))

    def test_service_sms_to_blacklisted_number_skipped(self):
        self.step_sms.purpose = "service"
        customer = self._make_customers(["Senza Consenso"], ["347 555 6677"], optical_consent_marketing=False)
        self.env["phone.blacklist"].sudo().add("+393475556677")
        communication = self._plan(customer, self.step_sms)
        with self.gateway():
            self._send()
        self.assertEqual((communication.state, communication.skip_code), ("skipped", "blacklist"))

    def test_sms_link_gets_personal_link(self):
        communications = self._plan(self.customers[:2], self.step_link)
        with self.gateway() as gateway:
            self._send()
        anna, marco = communications
        self.assertNotEqual(anna.landing_url, marco.landing_url)
        token = anna.sudo().landing_token
        self.assertGreaterEqual(len(token), 32)  # 192 bits, URL-safe base64
        self.assertTrue(anna.landing_url.endswith("/l/%s" % token))
        # No placeholder in the step's text: the link is appended.
        self.assertEqual(anna.body, "Auguri Anna! %s" % anna.landing_url)
        self.assertEqual(gateway.delivered[anna.sms_reference]["text"], anna.body)
        self.assertEqual(anna.landing_page_id, self.landing_page)
        self.assertTrue(anna.landing_expiry)
        # With the placeholder, the link stands where the text puts it.
        self.step_link.body = "{{ object.landing_url }} <- Auguri {{ object.first_name }}"
        giulia = self._plan(self.customers[2], self.step_link)
        with self.gateway():
            self._send()
        self.assertEqual(giulia.body, "%s <- Auguri Giulia" % giulia.landing_url)

    def test_sms_link_without_landing_page_fails_with_reason(self):
        # Refused at save since this version; a step saved before still fails with its reason.
        self.env.cr.execute("UPDATE optical_crm_cycle_step SET landing_page_id = NULL WHERE id = %s",
                            [self.step_link.id])
        self.step_link.invalidate_recordset(["landing_page_id"])
        communication = self._plan(self.customers[0], self.step_link)
        with self.gateway() as gateway:
            self._send()
        self.assertEqual(communication.state, "failed")
        self.assertIn("Landing page", communication.failure_reason)
        self.assertFalse(gateway.requests)

    @users("sms_owner")
    def test_segments_and_cost_shown_on_the_step(self):
        step = self.step_sms.with_user(self.env.user)
        step.body = "Ciao {{ object.first_name }}, è ora del controllo!"
        self.assertEqual((step.sms_encoding, step.sms_segments), ("gsm7", 1))
        self.assertEqual(step.sms_characters, len("Ciao xxxxxxxxxx, è ora del controllo!"))
        step.body = "Ciao {{ object.first_name }} 🎂 " + "a" * 60
        self.assertEqual((step.sms_encoding, step.sms_segments), ("ucs2", 2))
        self.assertAlmostEqual(step.sms_cost_estimate, 0.10)
        link_step = self.step_link.with_user(self.env.user)
        self.assertGreater(link_step.sms_characters, len("Auguri xxxxxxxxxx! /l/") + 32)
        # While editing the step in the cyclic activity's form, the count follows the text.
        with Form(self.cycle.with_user(self.env.user)) as cycle_form:
            index = self.cycle.step_ids.ids.index(self.step_sms.id)
            with cycle_form.step_ids.edit(index) as step_form:
                step_form.body = "Ciao"
                self.assertEqual((step_form.sms_segments, step_form.sms_encoding), (1, "gsm7"))
                step_form.body = "Auguri! 🎂" * 10
                self.assertEqual((step_form.sms_segments, step_form.sms_encoding), (2, "ucs2"))
                self.assertAlmostEqual(step_form.sms_cost_estimate, 0.10)

    def test_length_shown_on_the_step_is_the_length_sent(self):
        """The step's indicator counts the SMS a customer gets: a first name of
        ten letters (the placeholder's estimate) and the personal link, at
        its real length, appended when the text has no link placeholder or
        where the placeholder stands."""
        alessandra = self._make_customers(["Alessandra Rossi"], ["347 999 8877"])
        self.step_link.body = "Auguri {{ object.first_name }}! Un buono da 10 € per te in negozio."
        with_placeholder = self.step_link.copy({
            "body": "Auguri {{ object.first_name }}: {{ object.landing_url }} vale fino a domenica.",
            "interval_number": 1})
        self.step_sms.body = "Ciao {{ object.first_name }}, è ora del controllo!"
        communications = self.env["optical.crm.communication"]
        for step in (self.step_link, with_placeholder, self.step_sms):
            communications |= self._plan(alessandra, step)
        with self.gateway():
            self._send()
        for communication, step in zip(communications, (self.step_link, with_placeholder, self.step_sms), strict=True):
            self.assertEqual(communication.state, "sent", communication.failure_reason)
            sent = sms_length(communication.sms_id.body or communication.body)
            self.assertEqual((step.sms_characters, step.sms_segments, step.sms_encoding),
                             (sent.units, sent.segments, sent.encoding), communication.body)
        self.assertTrue(communications[0].body.endswith(communications[0].landing_url))
        # A step of another channel shows no SMS figures.
        self.step_sms.channel = "phone"
        self.assertEqual((self.step_sms.sms_characters, self.step_sms.sms_segments), (0, 0))

    def test_long_unicode_sms_cost(self):
        self.step_sms.body = "Ciao {{ object.first_name }} 👓 " + "x" * 70
        communication = self._plan(self.customers[0], self.step_sms)
        with self.gateway():
            self._send()
        self.assertEqual((communication.sms_encoding, communication.sms_segments), ("ucs2", 2))
        self.assertAlmostEqual(communication.sms_cost, 0.10)

    def test_cost_per_campaign_and_cycle_in_analysis(self):
        self._plan(self.customers, self.step_sms)
        campaign = self.env["optical.crm.campaign"].create({
            "name": "Saldi", "company_id": self.shop.id, "date_start": self.shop._optical_today(),
            "date_end": self.shop._optical_today(),
            "step_ids": [Command.create({"name": "Saldi SMS", "channel": "sms", "day_offset": 0,
                                         "body": "Saldi da Ottica Rossi! " + "y" * 150})],
        })
        self.env["optical.crm.communication"].create({
            "partner_id": self.customers[0].id, "company_id": self.shop.id, "channel": "sms",
            "purpose": "marketing", "scheduled_date": self.shop._optical_today(), "source": "campaign",
            "campaign_id": campaign.id, "campaign_step_id": campaign.step_ids.id,
        })
        with self.gateway():
            self._send()
        groups = self.env["optical.crm.communication"].with_user(self.manager)._read_group(
            [("company_id", "=", self.shop.id)], ["campaign_id", "cycle_id"], ["sms_cost:sum"])
        costs = {(campaign_.name or False, cycle.name or False): round(cost, 4)
                 for campaign_, cycle, cost in groups}
        self.assertEqual(costs, {(False, "Eye exam reminder"): 0.15, ("Saldi", False): 0.10})

    def test_text_in_customer_language_and_shop_time_zone(self):
        self.env["res.lang"]._activate_lang("it_IT")
        # Both languages spoken: a database created in Italian may not have English active.
        self.env["res.lang"]._activate_lang("en_US")
        self.step_link.update_field_translations("body", {
            "en_US": "Happy birthday {{ object.first_name }}, until "
                     "{{ format_datetime(object.landing_expiry, dt_format='dd/MM HH:mm') }}",
            "it_IT": "Buon compleanno {{ object.first_name }}, fino al "
                     "{{ format_datetime(object.landing_expiry, dt_format='dd/MM HH:mm') }}",
        })
        anna, marco = self.customers[:2]
        anna.lang = "it_IT"
        marco.lang = "en_US"
        with self.gateway(), freeze_time("2026-03-02 10:00:00"):
            communications = self._plan(anna | marco, self.step_link)
            self._send()
        by_partner = {c.partner_id: c for c in communications}
        # Sent at 10:00 UTC; the link expires 30 days later, 12:00 in Rome (summer time).
        self.assertEqual(by_partner[anna].body.split(" http")[0], "Buon compleanno Anna, fino al 01/04 12:00")
        self.assertEqual(by_partner[marco].body.split(" http")[0], "Happy birthday Marco, until 01/04 12:00")

    def test_iap_stays_the_default_provider(self):
        self.env["ir.config_parameter"].sudo().set_param("optical_crm_sms.provider", "iap")
        communication = self._plan(self.customers[0], self.step_sms)
        self.env["optical.crm.communication"]._cron_send_communications()
        calls = []
        self.patch(type(self.env["sms.sms"]), "_optical_gateway", lambda self_: calls.append(1))
        # IAP is outside the machine: Odoo's own provider is reached through its one method.
        from odoo.addons.sms.tools.sms_api import SmsApi
        self.patch(SmsApi, "_send_sms_batch", lambda self_, messages, delivery_reports_url=False: [
            {"uuid": number["uuid"], "state": "success"} for message in messages for number in message["numbers"]])
        self.env["sms.sms"]._process_queue()
        self.assertFalse(calls)
        self.assertEqual(communication.sms_id.state, "pending")

    def test_landing_page_access_per_shop(self):
        other_shop = self.env["res.company"].create({"name": "Ottica Verdi"})
        other_page = self.env["optical.crm.landing.page"].create({"name": "Other", "company_id": other_shop.id})
        shared_page = self.env["optical.crm.landing.page"].create({"name": "Shared", "company_id": False})
        pages = self.env["optical.crm.landing.page"].with_user(self.staff).search([])
        self.assertIn(self.landing_page, pages)
        self.assertIn(shared_page, pages)
        self.assertNotIn(other_page, pages)
        with self.assertRaises(AccessError):
            self.landing_page.with_user(self.staff).write({"name": "Changed"})
        self.landing_page.with_user(self.manager).write({"name": "Changed"})
        self.assertEqual(self.landing_page.name, "Changed")
        # Shop staff never read the tokens of the personal links.
        communication = self._plan(self.customers[0], self.step_link)
        with self.gateway():
            self._send()
        self.assertTrue(communication.with_user(self.staff).landing_url)
        with self.assertRaises(AccessError):
            communication.with_user(self.staff).read(["landing_token"])
        # The communication form (SMS tab included) opens for shop staff.
        communication_form = Form(communication.with_user(self.staff))
        self.assertEqual(communication_form.landing_url, communication.landing_url)
        self.assertEqual(communication_form.sms_number, "+393471112233")

    def test_landing_page_bad_input_names_the_field(self):
        Page = self.env["optical.crm.landing.page"].with_user(self.manager)
        with self.assertRaisesRegex(ValidationError, "^Video:"):
            Page.create({"name": "Bad video", "video_url": "javascript:alert(1)"})
        with self.assertRaisesRegex(ValidationError, "^Button link:"):
            Page.create({"name": "Bad button", "button_url": "javascript:alert(1)"})
        with self.assertRaisesRegex(ValidationError, "^SMS sender:"):
            self.shop.optical_sms_sender = "Ottica Rossi & Figli"

    def test_landing_button_links_only_to_the_web_a_phone_or_this_site(self):
        page = self.env["optical.crm.landing.page"].with_user(self.manager).create(
            {"name": "Offer", "button_label": "Book", "button_url": "/appointment"})
        for url in ("//evil.example/phish", "/\\evil.example", "/\t/evil.example"):
            with self.assertRaisesRegex(ValidationError, "^Button link:"):
                page.button_url = url
        page.button_url = "https://ottica.example.it/prenota"
        self.assertEqual(page.button_url, "https://ottica.example.it/prenota")

    def test_number_fixed_before_the_day_plans_the_sms_again(self):
        customer = self._make_customers(["Senza Numero"], [False])
        tomorrow = self.shop._optical_today() + datetime.timedelta(days=1)
        communication = self._plan(customer, self.step_sms, date=tomorrow)
        Communication = self.env["optical.crm.communication"]
        scope = SQL("c.company_id = %s", self.shop.id)
        Communication._apply_rules(scope)
        self.assertEqual((communication.state, communication.skip_code), ("skipped", "contact"))
        customer.mobile = "+39 345 000 1122"
        Communication._apply_rules(scope)
        self.assertEqual((communication.state, communication.skip_code, communication.sms_number),
                         ("planned", False, "+393450001122"))
        # STOP, then withdrawn: skipped, then planned again.
        self.env["phone.blacklist"].sudo().add("+393450001122")
        Communication._apply_rules(scope)
        self.assertEqual((communication.state, communication.skip_code), ("skipped", "blacklist"))
        self.env["phone.blacklist"].sudo().remove("+393450001122")
        Communication._apply_rules(scope)
        self.assertEqual(communication.state, "planned")
        # A skip whose day has passed stays as it was.
        customer.mobile = False
        Communication._apply_rules(scope)
        communication.scheduled_date = self.shop._optical_today() - datetime.timedelta(days=2)
        customer.mobile = "+39 345 000 1122"
        Communication._apply_rules(scope)
        self.assertEqual((communication.state, communication.skip_code), ("skipped", "contact"))

    def test_unusable_number_does_not_take_a_place_under_contact_pressure(self):
        self.shop.write({"optical_pressure_max": 1, "optical_pressure_period_days": 30})
        customer = self._make_customers(["Fisso Solo"], ["06 1234 5678"], email="fisso@example.com")
        high = self.step_sms
        self.cycle.priority = 20
        low_cycle = self.env["optical.crm.cycle"].create({
            "name": "Low", "event_type": "optometry", "company_id": self.shop.id, "priority": 1,
            "step_ids": [Command.create({"name": "Mail", "channel": "email", "purpose": "marketing",
                                         "interval_number": 12, "interval_unit": "months", "subject": "Hi",
                                         "body": "Time for your eye exam"})],
        })
        sms = self._plan(customer, high)
        mail = self._plan(customer, low_cycle.step_ids)
        mail.priority = 1
        sms.priority = 20
        self.env["optical.crm.communication"]._apply_rules(SQL("c.company_id = %s", self.shop.id))
        self.assertEqual((sms.state, sms.skip_code), ("skipped", "invalid_number"))
        self.assertEqual(mail.state, "planned")

    def test_forms_landing_page_and_settings(self):
        with Form(self.env["optical.crm.landing.page"].with_user(self.manager)) as page_form:
            page_form.name = "Back to school"
            page_form.title = "Ciao {{ object.first_name }}"
            page_form.body = "<p>Nuovi occhiali per la scuola</p>"
            page_form.video_url = "https://youtu.be/dQw4w9WgXcQ"
            page_form.button_label = "Prenota"
            page_form.button_url = "https://ottica.example.it/prenota"
        page = page_form.record
        self.assertEqual((page.company_id, page.validity_days), (self.shop, 30))
        settings = Form(self.env["res.config.settings"].with_company(self.shop))
        settings.optical_sms_cost_per_segment = 0.07
        settings.optical_sms_sender = "Rossi"
        settings.optical_sms_provider = "http"
        settings.optical_sms_gateway_url = "https://sms.example.it/api/send"
        settings.optical_sms_gateway_api_key = "new-key"
        settings.save().execute()
        self.assertEqual((self.shop.optical_sms_cost_per_segment, self.shop.optical_sms_sender), (0.07, "Rossi"))
        params = self.env["ir.config_parameter"].sudo()
        self.assertEqual(params.get_param("optical_crm_sms.gateway_url"), "https://sms.example.it/api/send")
        self.assertEqual(params.get_param("optical_crm_sms.provider"), "http")

    def test_gateway_not_configured_fails_with_the_parameter_named(self):
        communication = self._plan(self.customers[0], self.step_sms)
        self.env["ir.config_parameter"].sudo().set_param("optical_crm_sms.gateway_url", False)
        self.env["optical.crm.communication"]._cron_send_communications()
        self.env["sms.sms"]._process_queue()
        self.env.invalidate_all()
        self.assertEqual((communication.state, communication.sms_id.state), ("failed", "error"))
        self.assertIn("gateway_url", communication.failure_reason)
