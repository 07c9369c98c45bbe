import datetime
import json
import re

from babel.dates import get_day_names

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools.misc import babel_locale_parse

from .common import OpticalSmsCommon


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsControllers(HttpCase, OpticalSmsCommon):

    def _post(self, path, payload, key=None):
        headers = {"Content-Type": "application/json"}
        if key is not False:
            headers["Authorization"] = "Bearer %s" % (key or self.GATEWAY_KEY)
        response = self.url_open(path, data=json.dumps(payload), headers=headers)
        return response.status_code, response.json()

    def _sent(self, partners, step):
        communications = self._plan(partners, step)
        self.env["optical.crm.communication"]._cron_send_communications()
        self.assertEqual(set(communications.mapped("state")), {"sent"})
        return communications

    # ------------------------------------------------------------------
    # Delivery reports
    # ------------------------------------------------------------------

    def test_delivery_reports(self):
        delivered, undelivered = self._sent(self.customers[:2], self.step_sms)
        status, answer = self._post("/optical_crm_sms/v1/status",
                                    {"reference": delivered.sms_reference, "status": "delivered"})
        self.assertEqual((status, answer["state"]), (200, "sent"))
        status, answer = self._post("/optical_crm_sms/v1/status",
                                    {"reference": undelivered.sms_reference, "status": "expired"})
        self.assertEqual((status, answer["state"]), (200, "error"))
        self.env.invalidate_all()
        self.assertEqual((delivered.state, delivered.sms_id.state), ("done", "sent"))
        self.assertEqual((undelivered.state, undelivered.sms_id.state), ("failed", "error"))
        self.assertIn("expired", undelivered.failure_reason)
        # A late "sent" report never moves a delivered SMS back.
        self._post("/optical_crm_sms/v1/status", {"reference": delivered.sms_reference, "status": "sent"})
        self.env.invalidate_all()
        self.assertEqual(delivered.state, "done")
        # "Delivered" wins over an earlier failure (an answer that timed out).
        self._post("/optical_crm_sms/v1/status", {"reference": undelivered.sms_reference, "status": "delivered"})
        self.env.invalidate_all()
        self.assertEqual((undelivered.state, undelivered.failure_reason), ("done", False))

    def test_delivery_report_after_sms_garbage_collected(self):
        communication = self._sent(self.customers[0], self.step_sms)
        communication.sms_id.unlink()
        status, _answer = self._post("/optical_crm_sms/v1/status",
                                     {"reference": communication.sms_reference, "status": "DELIVERED"})
        self.assertEqual(status, 200)
        self.env.invalidate_all()
        self.assertEqual(communication.state, "done")

    def test_delivery_reports_bad_input(self):
        communication = self._sent(self.customers[0], self.step_sms)
        reference = communication.sms_reference
        self.assertEqual(self._post("/optical_crm_sms/v1/status", {"reference": reference, "status": "delivered"},
                                    key="wrong")[0], 401)
        self.assertEqual(self._post("/optical_crm_sms/v1/status", {"reference": reference, "status": "delivered"},
                                    key=False)[0], 401)
        status, answer = self._post("/optical_crm_sms/v1/status", {"reference": "nope", "status": "delivered"})
        self.assertEqual((status, answer["message"]), (404, "reference: unknown SMS"))
        self.assertEqual((answer["error"], answer["field"], answer["reference"]), ("not_found", "reference", "nope"))
        status, answer = self._post("/optical_crm_sms/v1/status", {"reference": reference, "status": "lost"})
        self.assertEqual(status, 400)
        self.assertTrue(answer["message"].startswith("status:"))
        self.assertEqual((answer["error"], answer["field"]), ("bad_request", "status"))
        # A batch: the bad report is named, the good one is applied.
        status, answer = self._post("/optical_crm_sms/v1/status", [
            {"status": "delivered"}, {"reference": reference, "status": "delivered"}])
        self.assertEqual(status, 207)
        self.assertEqual(answer["results"][0]["message"], "reference: missing")
        self.assertEqual(answer["results"][1]["state"], "sent")
        self.env.invalidate_all()
        self.assertEqual(communication.state, "done")
        response = self.url_open("/optical_crm_sms/v1/status", data="not json", headers={
            "Authorization": "Bearer %s" % self.GATEWAY_KEY, "Content-Type": "application/json"})
        self.assertEqual(response.status_code, 400)
        self.assertEqual((response.json()["error"], response.json()["field"]), ("bad_request", "body"))

    def test_callbacks_refuse_a_body_too_large_unread(self):
        communication = self._sent(self.customers[0], self.step_sms)
        report = {"reference": communication.sms_reference, "status": "delivered", "note": "x" * 2_000_000}
        for path in ("/optical_crm_sms/v1/status", "/optical_crm_sms/v1/inbound"):
            status, answer = self._post(path, report)
            self.assertEqual((status, answer["field"]), (413, "body"), path)
        self.env.invalidate_all()
        self.assertEqual(communication.state, "sent")

    # ------------------------------------------------------------------
    # Inbound SMS: STOP
    # ------------------------------------------------------------------

    def _assert_stop(self, sent_from, e164, customer, text="STOP"):
        """A STOP from ``sent_from`` blacklists ``e164`` and revokes the SMS
        consent of ``customer``, the one customer with that number."""
        status, answer = self._post("/optical_crm_sms/v1/inbound", {"from": sent_from, "text": text})
        self.assertEqual((status, answer.get("stop"), answer.get("customers")), (200, True, 1), answer)
        self.env.invalidate_all()
        self.assertTrue(self.env["phone.blacklist"].search([("number", "=", e164), ("active", "=", True)]))
        self.assertFalse(customer.optical_consent_sms)

    def test_inbound_stop_blacklists_and_revokes_consent(self):
        anna = self.customers[0]
        self._assert_stop("+393471112233", "+393471112233", anna, text="  sToP \n")
        self.assertTrue(self.customers[1].optical_consent_sms)
        self.assertIn("STOP", anna.message_ids[0].body)
        # The next SMS to that number is skipped, service SMS included.
        self.step_sms.purpose = "service"
        communication = self._plan(anna, self.step_sms)
        self.env["optical.crm.communication"]._cron_send_communications()
        self.assertEqual((communication.state, communication.skip_code), ("skipped", "blacklist"))
        self.assertFalse(communication.sms_id)

    def test_inbound_stop_from_a_foreign_number_without_plus(self):
        """Gateways write the sender as an MSISDN: the international number
        without its "+". A foreign customer's STOP (a German mobile, to an
        Italian shop) is honoured, not refused as "not a phone number"."""
        # A contact as Odoo creates one (no company), the number as typed.
        hans = self._make_customers(["Hans Weber"], [" +49 (151) 1234 5678 "], company_id=False)
        self._assert_stop("4915112345678", "+4915112345678", hans)
        self.assertTrue(self.customers[0].optical_consent_sms)
        # A national number still reads in the shop's country first.
        self._assert_stop("3471112233", "+393471112233", self.customers[0])

    def test_inbound_other_text_and_bad_input(self):
        marco = self.customers[1]
        status, answer = self._post("/optical_crm_sms/v1/inbound",
                                    {"from": "348 222 3344", "text": "Stop by tomorrow?"})
        self.assertEqual((status, answer["stop"]), (200, False))
        self.env.invalidate_all()
        self.assertTrue(marco.optical_consent_sms)
        self.assertIn("Stop by tomorrow?", marco.message_ids[0].body)
        self.assertFalse(self.env["phone.blacklist"].search([("number", "=", "+393482223344")]))
        self.assertEqual(self._post("/optical_crm_sms/v1/inbound", {"from": "+393482223344", "text": "STOP"},
                                    key="wrong")[0], 401)
        status, answer = self._post("/optical_crm_sms/v1/inbound", {"text": "STOP"})
        self.assertEqual((status, answer["message"], answer["field"]), (400, "from: missing", "from"))
        blacklisted = self.env["phone.blacklist"].search_count([])
        for number in ("abc", "+", "12", "9" * 40, "0000000000"):
            status, answer = self._post("/optical_crm_sms/v1/inbound", {"from": number, "text": "STOP"})
            self.assertEqual(status, 400, number)
            self.assertTrue(answer["message"].startswith("from:"), number)
        self.assertEqual(self.env["phone.blacklist"].search_count([]), blacklisted)

    # ------------------------------------------------------------------
    # Landing page
    # ------------------------------------------------------------------

    def test_landing_page_renders_counts_and_leaks_nothing(self):
        anna = self.customers[0]
        anna.write({"email": "anna.bianchi@example.com", "phone": "02 9876 5432"})
        communication = self._sent(anna, self.step_link)
        path = "/l/%s" % communication.sudo().landing_token
        response = self.url_open(path)
        self.assertEqual(response.status_code, 200)
        page = response.text
        self.assertIn("Happy birthday Anna!", page)
        self.assertIn("Dear Anna, a gift from Ottica Rossi.", page)
        for private in ("Bianchi", "anna.bianchi@example.com", "347", "9876", "Eye exam"):
            self.assertNotIn(private, page)
        self.assertEqual(response.headers["Cache-Control"], "no-store")
        self.assertEqual(self.url_open(path).status_code, 200)
        self.env.invalidate_all()
        self.assertEqual(communication.landing_visits, 2)
        self.assertTrue(communication.opened)
        self.assertTrue(communication.opened_date)
        self.assertEqual(self.landing_page.visit_count, 2)
        self.assertEqual(self.landing_page.opened_count, 1)

    def test_a_language_the_database_lacks_falls_back_to_the_shops(self):
        self.env["res.lang"]._activate_lang("it_IT")
        self.shop.partner_id.lang = "it_IT"
        self.landing_page.update_field_translations("title", {"it_IT": "Buon compleanno {{ object.first_name }}!"})
        anna = self.customers[0]
        communication = self._sent(anna, self.step_link)
        # Her language was removed from the database since (or came with an import).
        self.env.cr.execute("UPDATE res_partner SET lang = 'fr_FR' WHERE id = %s", [anna.id])
        self.env.invalidate_all()
        self.assertFalse(self.env["res.lang"]._lang_get("fr_FR"))
        response = self.url_open("/l/%s" % communication.sudo().landing_token)
        self.assertEqual(response.status_code, 200)
        self.assertIn("Buon compleanno Anna!", response.text)
        self.assertIn('lang="it-IT"', response.text)

    def test_landing_page_404(self):
        communication = self._sent(self.customers[0], self.step_link)
        token = communication.sudo().landing_token
        self.assertEqual(self.url_open("/l/%s" % ("A" * 32)).status_code, 404)
        self.assertEqual(self.url_open("/l/short").status_code, 404)
        self.assertEqual(self.url_open("/l/%s/image" % ("A" * 32)).status_code, 404)
        communication.landing_expiry = fields.Datetime.now() - datetime.timedelta(minutes=1)
        self.assertEqual(self.url_open("/l/%s" % token).status_code, 404)
        self.env.invalidate_all()
        self.assertEqual(communication.landing_visits, 0)
        self.assertFalse(communication.opened)

    def test_landing_page_footer_preview_and_unavailable_page(self):
        """The landing page ends with the shop's mini-site; staff see a preview
        that is not a visit; an unknown or expired link gets the shop's page."""
        self.shop.write({"street": "Via Roma 12", "zip": "20121", "city": "Milano", "phone": "+39 02 1234 5678"})
        anna = self.customers[0]
        communication = self._sent(anna, self.step_link)
        token = communication.sudo().landing_token
        page = self.url_open("/l/%s" % token).text
        for shown in ("Ottica Rossi", "Via Roma 12", "20121", "Milano", "+39 02 1234 5678", "tel:+390212345678"):
            self.assertIn(shown, page)
        self.assertIn("o_landing_hours", page, "opening hours from the shop's working hours")
        self.assertNotIn('class="o_landing_preview"', page)
        # The shop's staff opening the link: a preview, not counted.
        self.authenticate("sms_staff", "sms_staff")
        self.assertIn('class="o_landing_preview"', self.url_open("/l/%s" % token).text)
        self.env.invalidate_all()
        self.assertEqual(communication.landing_visits, 1)
        self.authenticate(None, None)
        # Expired: the shop's page, 404, in the customer's language.
        if self.env["res.lang"]._lang_get("it_IT"):
            anna.lang = "it_IT"
        communication.landing_expiry = fields.Datetime.now() - datetime.timedelta(minutes=1)
        response = self.url_open("/l/%s" % token)
        self.assertEqual(response.status_code, 404)
        for shown in ("Ottica Rossi", "Via Roma 12", "+39 02 1234 5678", 'name="viewport"'):
            self.assertIn(shown, response.text)
        self.assertNotIn("Not Found", response.text)
        if anna.lang == "it_IT":
            self.assertIn('lang="it-IT"', response.text)
            self.assertIn("Questo link non è più disponibile", response.text)
        # Unknown: the page of the (first) shop, still no bare "Not Found".
        response = self.url_open("/l/%s" % ("A" * 32))
        self.assertEqual(response.status_code, 404)
        self.assertIn("o_landing_unavailable", response.text)
        self.assertIn(self.env["res.company"].search([], order="id", limit=1).name, response.text)

    def test_landing_page_shows_the_shops_hours_and_has_an_icon(self):
        """The footer's hours are the shop's calendar, Saturday included, the lunch break kept; the tab's icon
        is found (no 404)."""
        self.shop.resource_calendar_id = self.env["resource.calendar"].create({
            "name": "Shop hours", "company_id": self.shop.id, "attendance_ids": [(5, 0, 0)] + [
                (0, 0, {"name": "Tue", "dayofweek": "1", "hour_from": 9, "hour_to": 12.5, "day_period": "morning"}),
                (0, 0, {"name": "Tue", "dayofweek": "1", "hour_from": 15.5, "hour_to": 19.5,
                        "day_period": "afternoon"}),
                (0, 0, {"name": "Sat", "dayofweek": "5", "hour_from": 9, "hour_to": 13, "day_period": "morning"}),
            ]})
        communication = self._sent(self.customers[0], self.step_link)
        page = self.url_open("/l/%s" % communication.sudo().landing_token).text
        hours = re.findall(r"<td>([^<]*)</td>\s*<td>([^<]*)</td>", page)
        # The day names in the page's language.
        days = get_day_names("wide", locale=babel_locale_parse(re.search(r'<html lang="([^"]+)"', page).group(1).replace("-", "_")))
        self.assertEqual(hours, [(days[1].capitalize(), "09:00–12:30, 15:30–19:30"),
                                 (days[5].capitalize(), "09:00–13:00")])
        icon = re.search(r'<link rel="icon" href="([^"]+)"', page).group(1)
        response = self.url_open(icon)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.headers["Content-Type"].startswith("image/"))

    def test_landing_page_image(self):
        self.landing_page.image = (
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")
        communication = self._sent(self.customers[0], self.step_link)
        token = communication.sudo().landing_token
        self.assertIn('src="/l/%s/image"' % token, self.url_open("/l/%s" % token).text)
        response = self.url_open("/l/%s/image" % token)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "image/png")

    def test_iap_delivery_reports_move_the_ledger(self):
        delivered, undelivered = self._sent(self.customers[:2], self.step_sms)
        self.env["ir.config_parameter"].sudo().set_param("optical_crm_sms.provider", "iap")
        payload = {"jsonrpc": "2.0", "method": "call", "params": {"message_statuses": [
            {"sms_status": "delivered", "uuids": [delivered.sms_reference]},
            {"sms_status": "not_delivered", "uuids": [undelivered.sms_reference]},
        ]}}
        response = self.url_open("/sms/status", data=json.dumps(payload),
                                 headers={"Content-Type": "application/json"})
        self.assertEqual(response.json()["result"], "OK")
        self.env.invalidate_all()
        self.assertEqual(delivered.state, "done")
        self.assertEqual(undelivered.state, "failed")
        self.assertIn("not_delivered", undelivered.failure_reason)
