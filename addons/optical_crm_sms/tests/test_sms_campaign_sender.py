from odoo.tests import tagged

from .common import OpticalSmsCommon


@tagged("post_install", "-at_install", "optical_crm_sms")
class TestSmsCampaignSender(OpticalSmsCommon):
    """A campaign's sender name (a supplier's brand) is the SMS sender when it
    is a valid one; otherwise the shop's."""

    def test_campaign_sender_name_on_sms(self):
        today = self.shop._optical_today()
        customers = self._make_customers(["Anna Brand", "Bice Shop"], ["+393471119900", "+393471119911"])
        communications = self.env["optical.crm.communication"]
        for sender, customer in (("LenteViva", customers[0]), ("Lente Viva & Co", customers[1])):
            campaign = self.env["optical.crm.campaign"].create({
                "name": "Offer %s" % sender, "company_id": self.shop.id, "date_start": today, "date_end": today,
                "sender_name": sender,
                "step_ids": [(0, 0, {"name": "SMS", "channel": "sms", "day_offset": 0, "body": "Prova!"})],
            })
            communications |= communications.create({
                "partner_id": customer.id, "company_id": self.shop.id, "channel": "sms", "purpose": "marketing",
                "scheduled_date": today, "source": "campaign", "campaign_id": campaign.id,
                "campaign_step_id": campaign.step_ids.id,
            })
        with self.gateway() as gateway:
            self._send()
        senders = {body["to"]: body["sender"] for body in gateway.delivered.values()}
        self.assertEqual(senders, {"+393471119900": "LenteViva", "+393471119911": "OtticaRossi"})
