import datetime
from unittest.mock import patch

import psycopg2
from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import OpticalCrmCase

D = datetime.date

TYPO_FILTER = "[('birthdate', '>', 'ieri')]"


def fail_for(model, method, record_ids, error=None):
    """Patch ``method`` of ``model`` to raise for the records ``record_ids``
    (by id), the real method running for every other record: the injected
    failure of one unit of work."""
    cls = type(model)
    original = getattr(cls, method)

    def failing(records, *args, **kwargs):
        if set(records.ids) & set(record_ids):
            raise error or RuntimeError("injected failure")
        return original(records, *args, **kwargs)

    return patch.object(cls, method, failing)


class IsolationCase(OpticalCrmCase):
    """Customers as Odoo creates them (no company), each shop's from its events."""

    @classmethod
    def plain_customer(cls, name, **values):
        return cls.env["res.partner"].create({
            "name": name, "optical_consent_marketing": True, "optical_consent_sms": True,
            "optical_consent_app": True, **values,
        })

    @classmethod
    def campaign(cls, shop, name, **values):
        return cls.env["optical.crm.campaign"].create({
            "name": name, "company_id": shop.id, "date_start": D(2026, 3, 9), "date_end": D(2026, 3, 20),
            "user_id": cls.owner.id,
            "step_ids": [(0, 0, {"name": "%s offer" % name, "day_offset": 0, "channel": "export",
                                 "subject": "Offer", "body": "Offer"})],
            **values,
        })

    def break_filter(self, record):
        """A filter saved before it was tried at save, that fails in SQL now."""
        self.env.cr.execute("UPDATE %s SET partner_domain = %%s WHERE id = %%s" % record._table,
                            [TYPO_FILTER, record.id])
        record.invalidate_recordset(["partner_domain"])


@tagged("post_install", "-at_install", "optical_crm")
@freeze_time("2026-03-09 09:00:00")
class TestTwoCallbacksOneDay(IsolationCase):
    """N3: a customer picks up two pairs of progressive glasses the same day."""

    def test_two_callbacks_of_one_customer_on_one_day_are_both_sent(self):
        self.cycle("glasses_delivery", [(1, "weeks", "phone", "service")], lens_type="progressive",
                   user_id=False)
        paola = self.plain_customer("Paola Due Paia", mobile="+393330000001")
        self.assertFalse(paola.company_id)
        for _pair in range(2):
            self.event(paola, "glasses_delivery", D(2026, 3, 2), lens_type="progressive")
        self.plan(D(2026, 3, 9))
        calls = self.communications(partner_id=paola.id)
        self.assertEqual(len(calls), 2)
        self.assertFalse(paola.message_partner_ids & self.staff_a.partner_id)
        # The channel itself, as one batch: no duplicate follower.
        calls._send_batch()
        self.assertEqual(calls.mapped("state"), ["sent", "sent"])
        self.assertEqual(len(calls.activity_id), 2, "two calls offered, each with its reason")
        self.assertEqual(calls.activity_id.user_id, self.staff_a)
        self.assertEqual(self.env["mail.followers"].search_count([
            ("res_model", "=", "res.partner"), ("res_id", "=", paola.id),
            ("partner_id", "=", self.staff_a.partner_id.id)]), 1)

    def test_the_sender_goes_on_past_them(self):
        self.cycle("glasses_delivery", [(1, "weeks", "phone", "service")], lens_type="progressive")
        self.cycle("optometry", [(0, "days", "export")], shop=self.shop_b)
        paola = self.plain_customer("Paola Due Paia", mobile="+393330000001")
        for _pair in range(2):
            self.event(paola, "glasses_delivery", D(2026, 3, 2), lens_type="progressive")
        bruno = self.plain_customer("Bruno Altro Negozio")
        self.event(bruno, "optometry", D(2026, 3, 9), shop=self.shop_b)
        self.plan(D(2026, 3, 9))
        self.plan(D(2026, 3, 9), shop=self.shop_b)
        self.assertEqual(self.Communication._cron_send_communications(), 3)
        self.assertEqual(set(self.communications(partner_id=paola.id).mapped("state")), {"sent"})
        self.assertEqual(self.communications(partner_id=bruno.id).state, "sent")


@tagged("post_install", "-at_install", "optical_crm")
@freeze_time("2026-03-09 09:00:00")
class TestFilterTriedAtSave(IsolationCase):
    """N4 and N13: a filter that compiles but fails in SQL, or nested too
    deeply, is refused at save, naming the filter."""

    def test_a_filter_failing_in_sql_is_refused_at_save(self):
        Campaign = self.env["optical.crm.campaign"].with_user(self.owner)
        with self.assertRaisesRegex(ValidationError, "Target customers: the filter does not run"), \
                mute_logger("odoo.sql_db"):
            Campaign.create({"name": "Typo", "company_id": self.shop_a.id, "date_start": D(2026, 3, 9),
                             "date_end": D(2026, 3, 12), "partner_domain": TYPO_FILTER})
        cycle = self.cycle("optometry", [(0, "days", "export")], shop=self.shop_a)
        with self.assertRaisesRegex(ValidationError, "Customers: the filter does not run"):
            cycle.with_user(self.owner).partner_domain = TYPO_FILTER
        # The transaction goes on: the form is saved once the filter is right.
        cycle.with_user(self.owner).partner_domain = "[('birthdate', '>', '2000-01-01')]"
        self.assertEqual(cycle.partner_domain, "[('birthdate', '>', '2000-01-01')]")

    def test_a_deeply_nested_filter_is_refused_at_save(self):
        nested = "[" * 100 + "('name', '=', 'x')" + "]" * 100
        with self.assertRaisesRegex(ValidationError, "Target customers: the filter is nested too deeply"):
            self.campaign(self.shop_a, "Deep", partner_domain=nested)

    def test_a_filter_that_no_longer_runs_never_breaks_the_form(self):
        campaign = self.campaign(self.shop_a, "Typo")
        self.break_filter(campaign)
        campaign = campaign.with_user(self.owner)
        with mute_logger("odoo.sql_db"):
            campaign.invalidate_recordset()
            # The form's fields, as the web client reads them.
            values = campaign.read(["target_count", "target_problem", "reach_html", "plan_error"])[0]
        self.assertEqual(values["target_count"], 0)
        self.assertIn("Target customers: the filter does not run", values["target_problem"])
        self.assertIn("the filter does not run", values["reach_html"])
        cycle = self.cycle("optometry", [(0, "days", "export")], shop=self.shop_a)
        self.break_filter(cycle)
        with mute_logger("odoo.sql_db"):
            self.assertIn("the filter does not run", cycle.with_user(self.owner).read(["reach_html"])[0]["reach_html"])


@tagged("post_install", "-at_install", "optical_crm")
class TestFormOpens(HttpCase, IsolationCase):
    """N4: the owner opens, in the browser, the campaign whose saved filter
    no longer runs, and sees why instead of an error."""

    def test_the_owner_opens_the_campaign_to_fix_it(self):
        campaign = self.campaign(self.shop_a, "Typo")
        self.break_filter(campaign)
        self.authenticate("owner", "owner")
        with mute_logger("odoo.sql_db"):
            record = self.make_jsonrpc_request("/web/dataset/call_kw", {
                "model": "optical.crm.campaign", "method": "web_read", "args": [campaign.ids],
                "kwargs": {"specification": {field: {} for field in (
                    "name", "partner_domain", "target_count", "target_problem", "reach_html", "plan_error")}},
            })[0]
        self.assertEqual((record["name"], record["target_count"]), ("Typo", 0))
        self.assertIn("the filter does not run", record["target_problem"])
        # And saves the fixed filter from there.
        self.make_jsonrpc_request("/web/dataset/call_kw", {
            "model": "optical.crm.campaign", "method": "web_save", "args": [campaign.ids,
                                                                           {"partner_domain": "[]"}],
            "kwargs": {"specification": {"target_problem": {}}},
        })
        campaign.invalidate_recordset()
        self.assertEqual(campaign.partner_domain, "[]")

    def test_an_owner_reads_the_last_runs_of_their_shops_only(self):
        new_test_user(self.env, "owner_b", groups="optical_crm.group_optical_crm_manager",
                      company_id=self.shop_b.id, company_ids=[self.shop_b.id], name="Bea Owner")
        self.Communication._cron_plan_communications()
        self.assertEqual(self.env["optical.crm.run"].search_count([("company_id", "in", (self.shop_a | self.shop_b).ids)]), 2)
        self.authenticate("owner_b", "owner_b")
        runs = self.make_jsonrpc_request("/web/dataset/call_kw", {
            "model": "optical.crm.run", "method": "search_read", "args": [[]],
            "kwargs": {"fields": ["company_id", "job", "error"]},
        })
        self.assertEqual({run["company_id"][0] for run in runs}, {self.shop_b.id})


@tagged("post_install", "-at_install", "optical_crm")
@freeze_time("2026-03-09 09:00:00")
class TestPlannerIsolation(IsolationCase):
    """N4: a campaign whose saved filter fails at plan time stops only itself."""

    def test_a_failing_campaign_is_shown_to_its_owner_and_the_rest_is_planned(self):
        rita = self.plain_customer("Rita Neri")
        self.event(rita, "optometry", D(2026, 3, 9))
        self.cycle("optometry", [(0, "days", "export")])
        typo = self.campaign(self.shop_b, "Typo")
        good_b = self.campaign(self.shop_b, "Good B")
        bruno = self.plain_customer("Bruno Bianchi")
        self.event(bruno, "optometry", D(2026, 3, 1), shop=self.shop_b)
        (typo | good_b).action_schedule()
        self.break_filter(typo)
        with mute_logger("odoo.sql_db"):
            self.Communication._cron_plan_communications()
        # Shop A and the rest of shop B are planned.
        self.assertEqual(self.communications(partner_id=rita.id).state, "planned")
        self.assertEqual(len(self.communications(campaign_id=good_b.id)), 1)
        self.assertFalse(self.communications(campaign_id=typo.id))
        # The owner sees it on the campaign (form and list) and in the activities.
        self.assertIn('invalid input syntax for type date: "ieri"', typo.plan_error)
        self.assertIn(self.shop_b.name, typo.plan_error)
        self.assertEqual((typo.plan_error_count, typo.plan_error_company_id), (1, self.shop_b))
        self.assertTrue(typo.plan_error_date)
        self.assertFalse(good_b.plan_error)
        self.assertEqual(self.action_records("optical_crm.optical_crm_campaign_action", self.owner, plan_failed=1),
                         typo)
        activity = self.env["mail.activity"].search([("res_model", "=", typo._name), ("res_id", "=", typo.id)])
        self.assertEqual(activity.user_id, self.owner)
        self.assertEqual(activity.activity_type_id, self.env.ref("optical_crm.mail_activity_type_plan_error"))
        # And in the shop's settings: the planner's last run.
        settings = self.env["res.config.settings"].with_company(self.shop_b).create({})
        self.assertEqual((settings.optical_plan_last_failed, settings.optical_plan_last_planned), (1, 1))
        self.assertIn("Typo", settings.optical_plan_last_error)
        self.assertTrue(settings.optical_plan_last_date)
        # A second failing run counts, without a second to-do.
        with mute_logger("odoo.sql_db"):
            self.Communication._cron_plan_communications()
        self.assertEqual(typo.plan_error_count, 2)
        self.assertEqual(len(self.env["mail.activity"].search(
            [("res_model", "=", typo._name), ("res_id", "=", typo.id)])), 1)
        # Fixed: the next run plans it and clears the failure and its to-do.
        typo.with_user(self.owner).partner_domain = "[('name', 'ilike', 'bruno')]"
        self.Communication._cron_plan_communications()
        self.assertEqual(self.communications(campaign_id=typo.id).partner_id, bruno)
        self.assertFalse(typo.plan_error or typo.plan_error_date or typo.plan_error_count)
        self.assertFalse(self.env["mail.activity"].search([("res_model", "=", typo._name), ("res_id", "=", typo.id)]))
        settings = self.env["res.config.settings"].with_company(self.shop_b).create({})
        self.assertEqual(settings.optical_plan_last_failed, 0)
        self.assertFalse(settings.optical_plan_last_error)


@tagged("post_install", "-at_install", "optical_crm")
@freeze_time("2026-03-09 09:00:00")
class TestChaos(IsolationCase):
    """One failure of each kind in a two-shop database: a row that raises in
    the sender, a cyclic activity whose SQL fails, a campaign whose filter
    fails, a shop whose planning fails once. Everything else of both shops is
    planned, sent and recorded exactly once, and each failure shows where its
    owner looks."""

    def test_chaos(self):
        shared = self.cycle("optometry", [(0, "days", "export")])
        birthday = self.cycle("birthday", [(0, "days", "export")])
        broken_cycle = self.cycle("glasses_delivery", [(0, "days", "export")], shop=self.shop_a,
                                  user_id=self.owner.id)
        mine = "[('birthdate', '=', '1980-03-09')]"
        typo = self.campaign(self.shop_b, "Typo", partner_domain=mine)
        good_a = self.campaign(self.shop_a, "Good A", partner_domain=mine)
        good_b = self.campaign(self.shop_b, "Good B", partner_domain=mine)
        (typo | good_a | good_b).action_schedule()
        self.break_filter(typo)
        customers = {}
        for shop in (self.shop_a, self.shop_b):
            for index in range(3):
                partner = self.plain_customer("%s %s" % (shop.name, index), birthdate=D(1980, 3, 9))
                self.event(partner, "optometry", D(2026, 3, 9), shop=shop)
                self.event(partner, "glasses_delivery", D(2026, 3, 9), shop=shop)
                customers.setdefault(shop, []).append(partner)
        all_customers = self.env["res.partner"].union(*customers[self.shop_a], *customers[self.shop_b])

        def fail_cycle_sql(original):
            def plan_cycle(model, cycle, *args):
                if cycle == broken_cycle:
                    model.env.cr.execute("SELECT 1 / 0")  # the cycle's SQL fails
                return original(model, cycle, *args)
            return plan_cycle

        Communication = type(self.Communication)
        Event = type(self.Event)
        generate = Event._generate_birthday_events

        def shop_b_fails_once(model, date_from, date_to, company_ids):
            if self.shop_b.id in company_ids and not shop_b_failed:
                shop_b_failed.append(True)
                raise RuntimeError("shop B is down once")
            return generate(model, date_from, date_to, company_ids)

        def planned(shop):
            """The shop's communications of this test's customers (a database may hold demo rows)."""
            return self.communications(company_id=shop.id).filtered(lambda c: c.partner_id in all_customers)

        before_a = self.communications(company_id=self.shop_a.id)
        shop_b_failed = []
        with patch.object(Communication, "_plan_cycle", fail_cycle_sql(Communication._plan_cycle)), \
                patch.object(Event, "_generate_birthday_events", shop_b_fails_once), \
                mute_logger("odoo.sql_db"):
            self.Communication._cron_plan_communications()
            # Shop A is planned although shop B failed as a whole.
            planned_a = planned(self.shop_a)
            self.assertEqual(len(planned_a), 3 * 2 + 3)  # optometry, birthday, the good campaign
            self.assertFalse(planned(self.shop_b))
            runs = {run.company_id: run for run in self.env["optical.crm.run"].search([("job", "=", "planner")])}
            self.assertIn("shop B is down once", runs[self.shop_b].error)
            # Everything planned for shop A in the run (a demo customer's birthday too).
            self.assertEqual(runs[self.shop_a].done_count,
                             len(self.communications(company_id=self.shop_a.id) - before_a))
            self.assertGreaterEqual(runs[self.shop_a].done_count, 9)
            self.Communication._cron_plan_communications()
            self.Communication._cron_plan_communications()
        # Everything else of both shops, exactly once.
        for shop in (self.shop_a, self.shop_b):
            communications = planned(shop)
            good = good_a if shop == self.shop_a else good_b
            self.assertEqual(sorted((c.partner_id.id, c.cycle_id.id, c.campaign_id.id) for c in communications),
                             sorted((p.id, origin.id if origin._name == "optical.crm.cycle" else False,
                                     origin.id if origin._name == "optical.crm.campaign" else False)
                                    for p in customers[shop] for origin in (shared, birthday, good)))
        self.assertFalse(self.communications(cycle_id=broken_cycle.id) | self.communications(campaign_id=typo.id))
        # The failures, where their owners look.
        self.assertIn("division by zero", broken_cycle.plan_error)
        self.assertEqual(broken_cycle.plan_error_count, 3)
        self.assertIn('"ieri"', typo.plan_error)
        for record in (broken_cycle, typo):
            self.assertEqual(self.env["mail.activity"].search(
                [("res_model", "=", record._name), ("res_id", "=", record.id)]).user_id, self.owner)
        # The sender: one row raises, the others of both shops are sent once.
        poison = self.communications(partner_id=customers[self.shop_b][1].id, cycle_id=shared.id)
        due = self.Communication.search([("state", "=", "planned"), ("scheduled_date", "<=", D(2026, 3, 9))])
        self.assertEqual(len(due.filtered(lambda c: c.partner_id in all_customers)), 18)
        with fail_for(self.Communication, "_send_export", poison.ids, ValueError("the printer is on fire")):
            # Every due row of both shops (a demo customer's too), the poisoned one included.
            self.assertEqual(self.Communication._cron_send_communications(), len(due))
            # The shop's settings show the sender's run.
            settings = self.env["res.config.settings"].with_company(self.shop_b).create({})
            self.assertEqual((settings.optical_send_last_sent, settings.optical_send_last_failed), (8, 1))
            self.assertTrue(settings.optical_send_last_date)
            self.assertEqual(self.Communication._cron_send_communications(), 0)
        self.assertEqual((poison.state, poison.failure_reason), ("failed", "Unexpected error: the printer is on fire"))
        others = self.Communication.search([("partner_id", "in", all_customers.ids)]) - poison
        self.assertEqual(set(others.mapped("state")), {"sent"})
        self.assertEqual(len(others), 17)
        self.assertEqual(len(others.filtered("body")), 17, "each rendered once, with its text")

    def test_a_concurrency_error_is_raised_not_recorded(self):
        """Another worker's write is no reason to fail a communication: the
        transaction is retried as a whole, the row stays due."""
        self.cycle("optometry", [(0, "days", "export")])
        rita = self.plain_customer("Rita Neri")
        self.event(rita, "optometry", D(2026, 3, 9))
        self.plan(D(2026, 3, 9))
        communication = self.communications(partner_id=rita.id)
        error = psycopg2.errors.SerializationFailure("could not serialize access due to concurrent update")
        with fail_for(self.Communication, "_send_export", communication.ids, error), \
                self.assertRaises(psycopg2.errors.SerializationFailure):
            self.Communication._cron_send_communications()
        self.assertEqual(communication.state, "planned")
