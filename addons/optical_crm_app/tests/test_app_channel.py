import datetime

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .common import OpticalAppCase


@tagged("post_install", "-at_install", "optical_crm_app")
class TestAppChannel(OpticalAppCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Push = cls.env["optical.app.push"]

    def push_queue(self):
        self.Push._cron_process_push_queue()
        self.env.invalidate_all()

    def test_message_in_the_chat_and_one_push_per_device(self):
        phone = self.pair(self.mario, device_name="Phone", push_token="tok-phone")
        self.pair(self.mario, device_name="Tablet", push_token="tok-tablet")
        self.pair(self.mario, device_name="Old phone")  # no push token: chat only
        cron = self.env.ref("optical_crm_app.ir_cron_process_push_queue")
        Trigger = self.env["ir.cron.trigger"]
        triggers = Trigger.search_count([("cron_id", "=", cron.id)])
        communication = self.send(self.app_communication(self.mario))
        self.assertEqual(communication.state, "sent")
        self.assertTrue(communication.sent_date)
        # The push queue's cron is called to run as soon as the sender's transaction commits.
        self.assertEqual(Trigger.search_count([("cron_id", "=", cron.id)]), triggers + 1)
        message = communication.app_message_ids
        self.assertEqual((message.title, message.body, message.delivery), ("Hello Mario", "A message for you", "push"))
        # Nothing is pushed inside the sender's transaction: the queue holds one row per device with a token.
        self.assertFalse(self.push_server.requests)
        self.assertEqual(sorted(message.push_ids.device_id.mapped("name")), ["Phone", "Tablet"])
        self.assertEqual(set(message.push_ids.mapped("state")), {"pending"})
        # Staff see each notification by its message, not "optical.app.message,<id>".
        self.assertEqual(set(message.push_ids.message_id.mapped("display_name")), {"Hello Mario"})
        self.push_queue()
        self.assertEqual(set(message.push_ids.mapped("state")), {"sent"})
        delivered = sorted(self.push_server.delivered.values(), key=lambda p: p["token"])
        self.assertEqual([p["token"] for p in delivered], ["tok-phone", "tok-tablet"])
        self.assertEqual(delivered[0]["title"], "Hello Mario")
        self.assertEqual(delivered[0]["data"]["message_id"], message.id)
        # Running the queue (or the sender) again pushes nothing twice.
        self.push_queue()
        self.send(communication)
        self.assertEqual(len(self.push_server.requests), 2)
        self.assertEqual(len(communication.app_message_ids), 1)
        # The customer sees it in the chat.
        messages = self.call("GET", "/messages", key=phone).json()["messages"]
        self.assertEqual([m["title"] for m in messages], ["Hello Mario"])

    def test_texts_are_rendered_from_the_step_template(self):
        self.pair(self.mario, push_token="tok")
        campaign = self.env["optical.crm.campaign"].create({
            "name": "San Valentino", "date_start": fields.Date.today(),
            "date_end": fields.Date.today() + datetime.timedelta(days=10),
            "step_ids": [(0, 0, {"name": "Promo", "channel": "app", "day_offset": 0,
                                 "subject": "{{ object.first_name }}, a gift for you",
                                 "body": "Come to {{ object.company_id.name }}"})],
        })
        communication = self.app_communication(self.mario, campaign_id=campaign.id,
                                               campaign_step_id=campaign.step_ids.id, subject=False, body=False)
        self.send(communication)
        message = communication.app_message_ids
        self.assertEqual((message.title, message.body), ("Mario, a gift for you", "Come to Ottica Centrale"))
        self.assertEqual(message.campaign_id, campaign)

    def test_consent_and_paired_app_are_required(self):
        no_consent = self.customer("Senza Consenso", consent=False)
        self.pair(no_consent, push_token="tok-nc")
        no_app = self.customer("Senza App")
        marketing = self.app_communication(no_consent)
        service = self.app_communication(no_consent, purpose="service")
        without_app = self.app_communication(no_app)
        self.send(marketing | service | without_app)
        self.assertEqual((marketing.state, marketing.skip_code, marketing.skip_reason),
                         ("skipped", "consent", "No app consent"))
        self.assertFalse(marketing.app_message_ids)
        # A service message (the adaptation check) needs no marketing consent.
        self.assertEqual(service.state, "sent")
        self.assertTrue(service.app_message_ids)
        self.assertEqual((without_app.state, without_app.skip_code), ("skipped", "contact"))
        self.assertIn("no paired app", without_app.skip_reason)

    def test_without_push_token_the_message_stays_in_the_chat(self):
        key = self.pair(self.mario)
        communication = self.send(self.app_communication(self.mario))
        message = communication.app_message_ids
        self.assertEqual((communication.state, message.delivery), ("sent", "chat"))
        self.assertFalse(message.push_ids)
        self.push_queue()
        self.assertFalse(self.push_server.requests)
        self.assertEqual(self.call("GET", "/messages", key=key).json()["total"], 1)

    def test_the_queue_works_in_bounded_batches(self):
        self.pair(self.mario, push_token="tok-m")
        self.pair(self.lucia, push_token="tok-l")
        communications = self.send(self.app_communication(self.mario) | self.app_communication(self.lucia)
                                   | self.app_communication(self.mario, purpose="service"))
        pushes = communications.app_message_ids.push_ids
        self.assertEqual(len(pushes), 3)
        self.push_server.fail_next = [503, 503]  # the first one fails this round, the others go
        self.assertEqual(self.Push._cron_process_push_queue(batch_size=1), 3)
        self.env.invalidate_all()
        self.assertEqual(sorted(pushes.mapped("state")), ["pending", "sent", "sent"])
        self.assertEqual(len(self.push_server.delivered), 2)

    def test_without_push_service_messages_stay_in_the_chat(self):
        self.env["ir.config_parameter"].sudo().set_param("optical_crm_app.push_url", False)
        self.pair(self.mario, push_token="tok")
        communication = self.send(self.app_communication(self.mario))
        self.assertEqual((communication.state, communication.app_message_ids.delivery), ("sent", "chat"))
        self.assertFalse(communication.app_message_ids.push_ids)
        self.assertEqual(self.Push._cron_process_push_queue(), 0)

    def test_push_is_retried_with_the_same_key_and_delivered_once(self):
        self.pair(self.mario, push_token="tok-phone")
        message = self.send(self.app_communication(self.mario)).app_message_ids
        push = message.push_ids
        # First run: the service answers 503 twice (the provider's own retry included).
        self.push_server.fail_next = [503, 503]
        self.push_queue()
        self.assertEqual((push.state, push.attempts), ("pending", 1))
        self.assertIn("503", push.last_error)
        self.assertGreater(push.next_attempt_date, fields.Datetime.now())
        self.assertFalse(self.push_server.delivered)
        # Not due yet: the next run leaves it alone.
        self.push_queue()
        self.assertEqual(len(self.push_server.requests), 2)
        # Later, the service is back: pushed once, with the same idempotency key every time.
        push.next_attempt_date = fields.Datetime.now() - datetime.timedelta(seconds=1)
        self.push_queue()
        self.assertEqual((push.state, push.attempts), ("sent", 2))
        self.assertEqual({key for key, _payload in self.push_server.requests}, {push.idempotency_key})
        self.assertEqual(list(self.push_server.delivered), [push.idempotency_key])

    def test_a_lost_answer_does_not_push_twice(self):
        """The service delivered but its answer was lost (timeout): the retry
        carries the same idempotency key, the service delivers once."""
        self.pair(self.mario, push_token="tok-phone")
        push = self.send(self.app_communication(self.mario)).app_message_ids.push_ids
        self.env["ir.config_parameter"].sudo().set_param("optical_crm_app.push_timeout", "0.5")
        self.push_server.fail_next = [0]  # hangs past the timeout
        self.push_queue()
        self.assertEqual(push.state, "sent")
        self.assertEqual(len(self.push_server.requests), 2)
        self.assertEqual(len(self.push_server.delivered), 1)

    def test_a_refused_token_fails_for_good_and_is_forgotten(self):
        self.pair(self.mario, push_token="tok-gone")
        push = self.send(self.app_communication(self.mario)).app_message_ids.push_ids
        self.push_server.fail_next = [410]
        self.push_queue()
        self.assertEqual(push.state, "failed")
        self.assertIn("410", push.last_error)
        self.assertFalse(push.device_id.has_push_token)
        # The message is still in the chat and the communication was sent.
        self.assertEqual(push.message_id.communication_id.state, "sent")

    def test_after_the_last_attempt_the_push_fails(self):
        self.pair(self.mario, push_token="tok")
        push = self.send(self.app_communication(self.mario)).app_message_ids.push_ids
        for _attempt in range(3):
            self.push_server.fail_next = [500, 500]
            push.next_attempt_date = fields.Datetime.now() - datetime.timedelta(seconds=1)
            self.push_queue()
        self.assertEqual((push.state, push.attempts), ("failed", 3))
        self.assertFalse(self.push_server.delivered)

    def test_a_revoked_device_gets_no_push(self):
        self.pair(self.mario, push_token="tok")
        push = self.send(self.app_communication(self.mario)).app_message_ids.push_ids
        push.device_id.with_user(self.staff_a).action_revoke()
        self.assertEqual(push.state, "cancelled")
        self.push_queue()
        self.assertFalse(self.push_server.requests)

    def test_no_push_outside_the_sending_window(self):
        self.shop_a.optical_send_calendar_id = self.env.ref("optical_crm.resource_calendar_sending_window")
        self.pair(self.mario, push_token="tok")
        with freeze_time("2026-03-02 10:00:00"):  # Monday 11:00 in Rome
            communication = self.app_communication(self.mario)
            # Sunday night: the sender keeps the app message for the window.
            with freeze_time("2026-03-01 22:00:00"):
                communication.scheduled_date = "2026-03-01"
                self.Communication._cron_send_communications()
                self.assertEqual(communication.state, "planned")
            self.Communication._cron_send_communications()
            self.assertEqual(communication.state, "sent")
            push = communication.app_message_ids.push_ids
            # The window closes (21:30 in Rome) before the queue runs: the push waits.
            with freeze_time("2026-03-02 20:30:00"):
                self.push_queue()
            self.assertEqual(push.state, "pending")
            self.push_queue()
        self.assertEqual(push.state, "sent")
        self.assertEqual(len(self.push_server.delivered), 1)
