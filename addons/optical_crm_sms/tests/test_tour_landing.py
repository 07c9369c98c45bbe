from odoo import fields
from odoo.tests import tagged

from odoo.addons.optical_crm.tests.common_tour import OpticalTourCase

from .common import OpticalSmsCommon

# Runs in the page itself (a public page, without Odoo's web client): checks
# what the customer sees at phone width, then signals the end.
PAGE_CHECK = """
const fail = (message) => console.error(message);
const text = document.body.innerText;
for (const expected of %(expected)s) {
    if (!text.includes(expected)) { fail("missing on the page: " + expected); }
}
if (document.documentElement.scrollWidth > window.innerWidth) {
    fail("the page scrolls sideways at phone width: " + document.documentElement.scrollWidth);
}
console.log("optical_screenshot:%(screenshot)s");
setTimeout(() => console.log("test successful"), 1000);
"""


@tagged("post_install", "-at_install", "optical_crm_sms", "optical_crm_tour")
class TestTourLanding(OpticalTourCase, OpticalSmsCommon):
    """The customer opens the SMS link on a phone; an unknown link."""

    browser_size = "390x844"

    def test_landing_page_at_phone_width(self):
        self.shop.write({"street": "Via Roma 12", "zip": "20121", "city": "Milano", "phone": "+39 02 1234 5678"})
        communications = self._plan(self.customers[0], self.step_link)
        self.env["optical.crm.communication"]._cron_send_communications()
        token = communications.sudo().landing_token
        self.assertTrue(token)
        expected = ["Happy birthday Anna!", "Ottica Rossi", "Via Roma 12", "+39 02 1234 5678"]
        self.browser_js("/l/%s" % token, PAGE_CHECK % {"expected": expected, "screenshot": "landing_page"},
                        ready="document.readyState === 'complete'")
        self.env.invalidate_all()
        self.assertEqual(communications.landing_visits, 1, "the customer's visit is counted")
        communications.landing_expiry = fields.Datetime.now()
        self.browser_js("/l/%s" % token, PAGE_CHECK % {"expected": ["Ottica Rossi", "+39 02 1234 5678"],
                                                       "screenshot": "landing_unavailable"},
                        ready="document.readyState === 'complete'")
