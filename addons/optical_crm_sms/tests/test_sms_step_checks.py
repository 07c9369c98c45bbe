from odoo.exceptions import ValidationError
from odoo.tests import Form, TransactionCase, tagged


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsStepChecks(TransactionCase):
    """A step that could only fail on the day is refused when it is saved,
    with a message naming the field, in the form as through the API."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.page = cls.env["optical.crm.landing.page"].create({"name": "Auguri"})

    def cycle_form(self, channel, body=None, page=None):
        form = Form(self.env["optical.crm.cycle"])
        form.name = "Buon compleanno"
        form.event_type = "birthday"
        with form.step_ids.new() as step:
            step.name = "Auguri"
            step.channel = channel
            if body is not None:
                step.body = body
            if page:
                step.landing_page_id = page
        return form

    def test_sms_with_link_without_page_is_refused_at_save(self):
        with self.assertRaisesRegex(ValidationError, "^Landing page: the SMS with link step Auguri"):
            self.env["optical.crm.cycle"].create({
                "name": "Buon compleanno", "event_type": "birthday",
                "step_ids": [(0, 0, {"name": "Auguri", "channel": "sms_link", "body": "Auguri!"})],
            })
        # The form says the same before saving.
        with self.assertRaisesRegex(AssertionError, "landing_page_id"):
            self.cycle_form("sms_link", body="Auguri!")
        cycle = self.cycle_form("sms_link", body="Auguri!", page=self.page).save()
        # Taking the page away later is refused too.
        with self.assertRaisesRegex(ValidationError, "^Landing page:"):
            cycle.step_ids.landing_page_id = False

    def test_sms_without_text_is_refused_at_save(self):
        with self.assertRaisesRegex(ValidationError, "^Text: the SMS step Saldi has no text"):
            self.env["optical.crm.campaign"].create({
                "name": "Saldi", "date_start": "2027-01-07", "date_end": "2027-01-31",
                "step_ids": [(0, 0, {"name": "Saldi", "channel": "sms", "day_offset": 0, "body": "  "})],
            })
        with self.assertRaisesRegex(ValidationError, "^Text:"):
            self.cycle_form("sms").save()
        self.assertTrue(self.cycle_form("sms", body="Auguri {{ object.first_name }}!").save())

    def test_unreadable_placeholder_or_filter_is_refused_at_save(self):
        with self.assertRaisesRegex(ValidationError, r"^Text: the placeholder \{\{ object.first_name\( \}\}"):
            self.cycle_form("sms", body="Auguri {{ object.first_name( }}!").save()
        with self.assertRaisesRegex(ValidationError, "^Customers: invalid filter"):
            self.env["optical.crm.cycle"].create({"name": "VIP", "event_type": "birthday",
                                                  "partner_domain": "[('no_such_field', '=', 1)]"})
        with self.assertRaisesRegex(ValidationError, "^Target customers: invalid filter"):
            self.env["optical.crm.campaign"].create({
                "name": "Saldi", "date_start": "2027-01-07", "date_end": "2027-01-31",
                "partner_domain": "[('name', 'near', 'x')]"})
