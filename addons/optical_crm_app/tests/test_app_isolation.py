from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import OpticalAppCase


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppIsolation(OpticalAppCase):
    """The app's part of the chaos test: a push that raises (not a refusal
    of the service: Odoo's own error) fails alone, with its reason, the
    other pushes of both shops delivered once each; a promotion whose
    filter no longer runs hides only itself."""

    def test_a_push_that_raises_fails_alone(self):
        self.pair(self.mario, push_token="tok-m")
        self.pair(self.lucia, push_token="tok-l")
        self.pair(self.bruno, user=self.staff_b, push_token="tok-b")
        pushes = self.send(self.app_communication(self.mario) | self.app_communication(self.lucia)
                           | self.app_communication(self.bruno)).app_message_ids.push_ids.sorted("id")
        self.assertEqual(len(pushes), 3)
        poison = pushes.filtered(lambda push: push.partner_id == self.lucia)
        Provider = self.env["optical.app.push"]._push_provider_class()
        original = Provider.send

        def send(provider, token, title, body, data=None, idempotency_key=None):
            if idempotency_key == poison.idempotency_key:
                raise RuntimeError("the message has no title")
            return original(provider, token, title, body, data=data, idempotency_key=idempotency_key)

        with patch.object(Provider, "send", send):
            self.assertEqual(self.env["optical.app.push"]._cron_process_push_queue(), 3)
            self.assertEqual(self.env["optical.app.push"]._cron_process_push_queue(), 0)
        self.env.invalidate_all()
        others = pushes - poison
        self.assertEqual(set(others.mapped("state")), {"sent"})
        self.assertEqual((poison.state, poison.last_error), ("failed", "Unexpected error: the message has no title"))
        # Delivered once each: a push sent again row by row carries its key.
        self.assertEqual(sorted(self.push_server.delivered), sorted(others.mapped("idempotency_key")))
        self.assertEqual(others.mapped("attempts"), [1, 1])

    def test_a_promotion_whose_filter_no_longer_runs_hides_only_itself(self):
        today = self.shop_a._optical_today()
        Campaign = self.env["optical.crm.campaign"]
        Campaign.search([("company_id", "=", self.shop_a.id), ("state", "=", "running")]).write({"state": "done"})
        promotions = Campaign.create([{
            "name": name, "company_id": self.shop_a.id, "date_start": today, "date_end": today, "state": "running",
            "step_ids": [(0, 0, {"name": "Step", "channel": "app", "day_offset": 0, "body": "Saldi!"})],
        } for name in ("Typo", "Saldi")])
        self.env.cr.execute("UPDATE optical_crm_campaign SET partner_domain = %s WHERE id = %s",
                            ["[('birthdate', '>', 'ieri')]", promotions[0].id])
        key = self.pair(self.mario)
        with mute_logger("odoo.sql_db"):
            response = self.call("GET", "/promotions", key=key)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual([p["title"] for p in response.json()["promotions"]], ["Saldi"])
