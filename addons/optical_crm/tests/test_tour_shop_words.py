import base64
import io

import openpyxl

from odoo.tests import tagged

from .common_tour import OpticalTourCase


@tagged("post_install", "-at_install", "optical_crm", "optical_crm_tour")
class TestTourShopWords(OpticalTourCase):
    """The assistant's screens read as a shop reads them: customers to contact with today open and whole
    badges, one word for the mobile, an export that needs no choice and closes after the download; the
    owner's campaign step with alternatives, stop conditions and one message per household."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.set_up_shop()
        cls.assistant = cls.shop_user(cls.env, "words_assistant", "Sara Assistente", cls.shop, italian=True,
                                      email=False)
        cls.owner = cls.shop_user(cls.env, "words_owner", "Anna Titolare", cls.shop, owner=True, italian=True,
                                  email=False)
        cycle = cls.env["optical.crm.cycle"].create({
            "name": "Words follow-up", "event_type": "glasses_delivery", "company_id": cls.shop.id,
            "step_ids": [(0, 0, {"name": "Adaptation call", "interval_number": 1, "interval_unit": "weeks",
                                 "channel": "phone", "purpose": "service", "body": "Call {{ object.first_name }}"}),
                         (0, 0, {"name": "Eye exam reminder", "interval_number": 10, "interval_unit": "days",
                                 "channel": "email", "purpose": "service", "subject": "Eye exam",
                                 "body": "Time for your eye exam"})],
        })
        cls.mario = cls.env["res.partner"].create({"name": "Words Mario Rossi", "mobile": "+39 333 100 4567",
                                                   "email": "mario@example.com"})
        cls.env["optical.crm.event"].create({
            "partner_id": cls.mario.id, "event_type": "glasses_delivery", "event_date": cls.days_ago(7),
            "lens_type": "progressive", "company_id": cls.shop.id})
        Communication = cls.env["optical.crm.communication"]
        Communication._plan_company(cls.shop, cls.days_ago(3), cls.days_ago(-7))
        Communication.search([("cycle_id", "=", cycle.id), ("scheduled_date", "<=", cls.days_ago(0))])._send_batch()
        cls.call = Communication.search([("cycle_id", "=", cycle.id), ("channel", "=", "phone"),
                                         ("partner_id", "=", cls.mario.id)])
        # A family sharing one e-mail address, and a customer with no e-mail but a mobile.
        cls.env["res.partner"].create([
            {"name": "Words Anna Conti", "email": "conti@example.com", "optical_consent_marketing": True},
            {"name": "Words Bruno Conti", "email": "Conti@example.com", "optical_consent_marketing": True},
            {"name": "Words Carla Neri", "mobile": "+39 333 200 4567", "optical_consent_marketing": True},
        ])
        cls.campaign = cls.env["optical.crm.campaign"].create({
            "name": "Natale", "company_id": cls.shop.id, "one_per_household": True,
            "date_start": cls.days_ago(-10), "date_end": cls.days_ago(-30),
            "step_ids": [(0, 0, {
                "name": "Christmas offer", "day_offset": 0, "channel": "email", "purpose": "marketing",
                "subject": "A gift", "body": "{{ object.first_name }}, a gift for Christmas",
                "fallback_ids": [(0, 0, {"channel": "export", "sequence": 1}), (0, 0, {"channel": "phone", "sequence": 2})],
                "stop_event_type_ids": [(6, 0, [cls.env.ref("optical_crm.event_type_glasses_entry").id,
                                                cls.env.ref("optical_crm.event_type_sale_delivery").id])],
            })],
        })

    def _words(self):
        self.assertEqual(self.call.state, "sent")
        exported = self.env["optical.crm.export.wizard"].search([])
        self.start_tour("/odoo", "optical_crm_shop_words_tour", login="words_assistant", timeout=180)
        wizard = self.env["optical.crm.export.wizard"].search([]) - exported
        self.assertEqual(len(wizard), 1)
        self.assertFalse(wizard.cycle_id or wizard.campaign_id)
        self.assertEqual(wizard.file_format, "xlsx")
        sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data))).active
        self.assertIn("Words Mario Rossi", [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)],
                      "everyone to contact in the period")

    def test_shop_words_desk(self):
        self.browser_size = "1366x768"
        self._words()

    def test_shop_words_tablet(self):
        self.browser_size = "768x1024"
        self._words()

    def _relevance(self):
        self.start_tour("/odoo/action-optical_crm.optical_crm_campaign_action/%s" % self.campaign.id,
                        "optical_crm_relevance_tour", login="words_owner", timeout=120)

    def test_relevance_step_desk(self):
        self.browser_size = "1366x768"
        self._relevance()

    def test_relevance_step_tablet(self):
        self.browser_size = "768x1024"
        self._relevance()
