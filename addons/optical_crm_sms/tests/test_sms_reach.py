from odoo.tests import tagged

from .common import OpticalSmsCommon


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsReach(OpticalSmsCommon):
    """A segment's reach on SMS: consent, a mobile, not on the phone blacklist."""

    def test_sms_reach_and_why_not(self):
        Partner = self.env["res.partner"]
        values = {"company_id": self.shop.id, "optical_consent_marketing": True, "optical_consent_sms": True}
        ok = Partner.create({"name": "Con Cellulare", "mobile": "+39 333 111 2222", **values})
        landline = Partner.create({"name": "Solo Fisso", "phone": "+39 02 5551234", **values})
        stopped = Partner.create({"name": "Ha Scritto Stop", "mobile": "+39 333 444 5555", **values})
        shy = Partner.create({"name": "Senza Consenso", "mobile": "+39 333 777 8888", "company_id": self.shop.id,
                              "optical_consent_marketing": True})
        self.env["phone.blacklist"].sudo().add(stopped.phone_sanitized)
        reach = self.env["optical.crm.segment"]._reach(
            [("id", "in", (ok | landline | stopped | shy).ids)], channels=["sms"])
        ((channel, _label, reachable, reasons),) = reach["channels"]
        self.assertEqual((channel, reachable), ("sms", 1))
        self.assertEqual(dict(reasons), {
            "No mobile number": 1, "Number on the phone blacklist (STOP)": 1, "No SMS consent": 1})
