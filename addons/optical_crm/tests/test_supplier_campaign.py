import datetime

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, new_test_user, tagged

from .common import OpticalCrmCase

D = datetime.date
TODAY = "2027-03-01 10:00:00"


@tagged("post_install", "-at_install", "optical_crm")
class TestSupplierCampaign(OpticalCrmCase):
    """A lens maker's campaign offered to two shops: each shop joins or
    declines, plans and sends it as its own; the menu shows exactly for the
    users of shops it is offered to."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Shops of their own, so that no other customer (demo data) or offer counts here.
        cls.env["optical.crm.campaign.participation"].search([]).unlink()
        cls.maker = cls.env["res.partner"].create({"name": "LenteViva S.p.A.", "is_company": True})
        Company = cls.env["res.company"]
        cls.shop_x = Company.create({"name": "Ottica Centrale Due", "optical_horizon_days": 7})
        cls.shop_y = Company.create({"name": "Ottica del Corso Due", "optical_horizon_days": 7})
        cls.shop_z = Company.create({"name": "Ottica Senza Offerte"})

        def user(login, group, shops):
            return new_test_user(cls.env, login, groups="optical_crm.group_optical_crm_%s" % group,
                                 company_id=shops[0].id, company_ids=[s.id for s in shops], name=login)

        cls.owner_x, cls.staff_x = user("owner_x", "manager", [cls.shop_x]), user("staff_x", "user", [cls.shop_x])
        cls.owner_y, cls.staff_y = user("owner_y", "manager", [cls.shop_y]), user("staff_y", "user", [cls.shop_y])
        cls.staff_z = user("staff_z", "user", [cls.shop_z])
        cls.chain_owner = user("chain_owner", "manager", [cls.shop_x, cls.shop_y])
        # Contacts as Odoo creates them (no company) belong to the shop of their events.
        cls.anna = cls.customer("Anna Galli", shop=cls.shop_x, email="anna@example.com")
        cls.piero = cls.env["res.partner"].create({"name": "Piero Neri", "optical_consent_marketing": True})
        cls.event(cls.piero, "optometry", D(2026, 10, 1), shop=cls.shop_x)
        cls.bruno = cls.customer("Bruno Verdi", shop=cls.shop_y, mobile="+393337778899")
        with freeze_time(TODAY):
            cls.offer = cls.env["optical.crm.campaign"].with_user(cls.owner_x).create({
                "name": "LenteViva week", "is_supplier_campaign": True, "supplier_id": cls.maker.id,
                "company_id": cls.shop_x.id, "date_start": D(2027, 3, 1), "date_end": D(2027, 3, 14),
                "offer_company_ids": [(6, 0, (cls.shop_x | cls.shop_y).ids)], "sender_name": "LenteViva",
                "offer_allow_sender_name": False,
                "step_ids": [(0, 0, {"name": "Invitation", "day_offset": 0, "channel": "export",
                                     "body": "Hello {{ object.first_name }}, try LenteViva at "
                                             "{{ object.company_id.name }}"})],
            })
            cls.offer.action_schedule()
        cls.offer = cls.offer.with_env(cls.env)

    def participation(self, shop, user=None):
        Participation = self.env["optical.crm.campaign.participation"]
        if user:
            Participation = Participation.with_user(user)
        return Participation.search([("offer_id", "=", self.offer.id), ("company_id", "=", shop.id)])

    def plan_and_send(self):
        with freeze_time(TODAY):
            self.plan(D(2027, 3, 1), shop=self.shop_x)
            self.plan(D(2027, 3, 1), shop=self.shop_y)
            self.Communication.search([("company_id", "in", (self.shop_x | self.shop_y).ids)])._send_batch()

    def test_joined_by_one_declined_by_the_other(self):
        self.assertEqual(self.offer.participation_ids.mapped("state"), ["offered", "offered"])
        with freeze_time(TODAY):
            self.participation(self.shop_x, self.owner_x).action_join()
            self.participation(self.shop_y, self.owner_y).action_decline()
        self.plan_and_send()
        joined = self.participation(self.shop_x).campaign_id
        self.assertEqual((joined.company_id, joined.offer_id, joined.state), (self.shop_x, self.offer, "running"))
        # Only the joined shop's customers are planned, by the shop's own campaign; the offer is never planned.
        planned = self.communications(campaign_id=joined.id)
        self.assertEqual(planned.partner_id, self.anna | self.piero)
        self.assertEqual(set(planned.mapped("company_id")), {self.shop_x})
        self.assertEqual(set(planned.mapped("source")), {"supplier_campaign"})
        self.assertEqual(planned[0].body, "Hello %s, try LenteViva at Ottica Centrale Due" % planned[0].first_name)
        self.assertFalse(self.communications(campaign_id=self.offer.id))
        self.assertFalse(self.communications(partner_id=self.bruno.id))
        # Each shop sees its own answer and results only.
        mine = self.participation(self.shop_x, self.staff_x)
        self.assertEqual((mine.state, mine.result_contacted), ("joined", 2))
        self.assertFalse(self.participation(self.shop_y, self.staff_x))
        theirs = self.participation(self.shop_y, self.staff_y)
        self.assertEqual((theirs.state, theirs.result_contacted), ("declined", 0))
        self.assertFalse(self.participation(self.shop_x, self.staff_y))
        self.assertFalse(self.Communication.with_user(self.staff_y).search([("campaign_id", "=", joined.id)]))
        # The owner of the shop managing the offer sees every shop's answer, without answering for them.
        answers = {p.company_id: p.state for p in self.offer.with_user(self.owner_x).participation_ids}
        self.assertEqual(answers, {self.shop_x: "joined", self.shop_y: "declined"})
        # Staff do not answer for the shop, and a shop does not answer for another.
        with self.assertRaises(AccessError):
            self.participation(self.shop_x, self.staff_x).action_decline()
        with self.assertRaises(AccessError):
            self.env["optical.crm.campaign.participation"].with_user(self.owner_y).browse(mine.id).action_join()

    def test_supplier_figures_sum_the_shops(self):
        with freeze_time(TODAY):
            self.participation(self.shop_x, self.owner_x).action_join()
            self.participation(self.shop_y, self.owner_y).action_join()
        self.plan_and_send()
        shop_a_campaign = self.participation(self.shop_x).campaign_id
        shop_b_campaign = self.participation(self.shop_y).campaign_id
        self.assertEqual(self.communications(campaign_id=shop_b_campaign.id).partner_id, self.bruno)
        self.assertEqual(self.participation(self.shop_x, self.staff_x).result_contacted, 2)
        self.assertEqual(self.participation(self.shop_y, self.staff_y).result_contacted, 1)
        # The supplier's figures: both shops together, on the offer and in the analysis by supplier.
        self.offer.invalidate_recordset()
        self.assertEqual(self.offer.result_contacted, 3)
        Analysis = self.env["optical.crm.analysis"]
        by_supplier = Analysis.with_user(self.chain_owner)._figures_by([("supplier_id", "=", self.maker.id)], "supplier_id")
        self.assertEqual(by_supplier[self.maker]["customer_contacted"], 3)
        by_shop = Analysis.with_user(self.chain_owner)._figures_by([("offer_id", "=", self.offer.id)], "company_id")
        self.assertEqual({shop: cell["customer_contacted"] for shop, cell in by_shop.items()},
                         {self.shop_x: 2, self.shop_y: 1})
        # A shop's staff see only their shop's figures.
        own = Analysis.with_user(self.staff_y)._figures_by([("supplier_id", "=", self.maker.id)], "supplier_id")
        self.assertEqual(own[self.maker]["customer_contacted"], 1)
        self.assertEqual((shop_a_campaign.state, shop_b_campaign.state), ("running", "running"))
        # The supplier's manager (here the owner of one shop only) changes and then withdraws the offer:
        # every joined shop follows.
        self.offer.with_user(self.owner_x).write({"name": "LenteViva fortnight"})
        self.assertEqual(shop_b_campaign.name, "LenteViva fortnight")
        self.offer.with_user(self.owner_x).action_cancel()
        self.assertEqual((shop_a_campaign.state, shop_b_campaign.state), ("cancelled", "cancelled"))

    def test_a_shop_adapts_only_what_the_supplier_allows(self):
        with freeze_time(TODAY):
            self.participation(self.shop_x, self.owner_x).action_join()
        campaign = self.participation(self.shop_x).campaign_id.with_user(self.owner_x)
        self.assertEqual(campaign.sender_name, "LenteViva")
        # Its target: allowed.
        campaign.partner_domain = "[('name', 'ilike', 'anna')]"
        self.assertEqual(campaign.target_count, 1)
        # Texts, dates, steps and (here) the sender name are the supplier's.
        for values in ({"name": "My week"}, {"date_end": D(2027, 3, 20)}, {"sender_name": "Ottica"}):
            with self.assertRaises(UserError):
                campaign.write(values)
        with self.assertRaises(UserError):
            campaign.step_ids.write({"body": "My own text"})
        with self.assertRaises(UserError):
            campaign.step_ids.unlink()
        # The supplier's changes reach the joined shop.
        self.offer.with_user(self.owner_x).write({"name": "LenteViva fortnight", "date_end": D(2027, 3, 15)})
        self.assertEqual((campaign.name, campaign.date_end), ("LenteViva fortnight", D(2027, 3, 15)))
        # Leaving cancels what was planned and not sent.
        with freeze_time(TODAY):
            self.plan(D(2027, 3, 1), shop=self.shop_x)
            self.participation(self.shop_x, self.owner_x).action_decline()
        self.assertEqual(set(self.communications(campaign_id=campaign.id).mapped("state")), {"cancelled"})

    def test_menu_shows_for_users_of_shops_with_offers(self):
        menu = self.env.ref("optical_crm.optical_crm_campaign_menu_supplier")

        def sees_menu(user):
            return menu.id in self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

        self.assertTrue(sees_menu(self.staff_x))
        self.assertTrue(sees_menu(self.staff_y))
        self.assertFalse(sees_menu(self.staff_z))
        # A user who joins a shop with offers sees it; the menu goes when the supplier withdraws.
        self.staff_z.write({"company_ids": [(4, self.shop_y.id)]})
        self.assertTrue(sees_menu(self.staff_z))
        self.offer.with_user(self.owner_x).action_cancel()
        self.assertFalse(sees_menu(self.staff_x))
        self.assertFalse(sees_menu(self.staff_z))
        # Offered to the shop without offers: its staff see it, and the offer's list shows it to them.
        with freeze_time(TODAY):
            offer = self.offer.sudo().copy({"offer_company_ids": [(6, 0, self.shop_z.ids)]})
            offer.action_schedule()
        self.assertTrue(sees_menu(self.staff_z))
        self.assertFalse(sees_menu(self.staff_x))
        visible = self.env["optical.crm.campaign.participation"].with_user(self.staff_z).search(
            [("offer_id", "=", offer.id)])
        self.assertEqual((visible.offer_id, visible.name), (offer, "LenteViva week"))

    def test_forms_show_what_a_shop_may_change(self):
        with freeze_time(TODAY):
            self.participation(self.shop_x, self.owner_x).action_join()
        campaign = self.participation(self.shop_x).campaign_id.with_user(self.owner_x)
        with Form(campaign) as form:
            form.partner_domain = "[('name', 'ilike', 'anna')]"
            for field in ("name", "date_start", "date_end", "sender_name", "step_ids"):
                with self.assertRaises(AssertionError, msg=field):
                    setattr(form, field, False)
        self.assertEqual(campaign.target_count, 1)
        # The supplier's form: the shops it is offered to, and their answers.
        with Form(self.offer.with_user(self.chain_owner)) as form:
            self.assertEqual(len(form.participation_ids), 2)
            form.offer_company_ids.remove(self.shop_y.id)
        self.assertEqual(self.offer.participation_ids.company_id, self.shop_x)

    def test_steps_the_supplier_adds_removes_or_changes_reach_the_joined_shops(self):
        # Contacts as Odoo creates them (no company): each belongs to the shop of its event.
        lucia = self.env["res.partner"].create({
            "name": "Lucia Fabbri", "email": "lucia@example.com", "optical_consent_marketing": True})
        self.event(lucia, "optometry", D(2026, 11, 5), shop=self.shop_x)
        marco = self.env["res.partner"].create({
            "name": "Marco Sala", "email": "marco@example.com", "optical_consent_marketing": True})
        self.event(marco, "optometry", D(2026, 11, 5), shop=self.shop_y)
        with freeze_time(TODAY):
            self.participation(self.shop_x, self.owner_x).action_join()
            self.participation(self.shop_y, self.owner_y).action_decline()
        campaign = self.participation(self.shop_x).campaign_id
        # The shop's own choice: its target.
        campaign.with_user(self.owner_x).partner_domain = "[('name', 'ilike', 'lucia')]"
        with freeze_time(TODAY):
            self.plan(D(2027, 3, 1), shop=self.shop_x)
        invitation = self.communications(campaign_id=campaign.id)
        self.assertEqual((invitation.partner_id, invitation.scheduled_date), (lucia, D(2027, 3, 1)))

        # The supplier re-times and rewrites its invitation, and adds a reminder, from the offer's form.
        offer_invitation = self.offer.step_ids
        with freeze_time(TODAY), Form(self.offer.with_user(self.owner_x)) as form:
            with form.step_ids.edit(0) as step:
                step.day_offset = 2
                step.body = "Hello {{ object.first_name }}, LenteViva lenses are waiting for you"
            with form.step_ids.new() as step:
                step.name = "Reminder"
                step.day_offset = 4
                step.channel = "export"
                step.body = "Last days of LenteViva, {{ object.first_name }}"
        offer_reminder = self.offer.step_ids - offer_invitation
        steps = campaign.step_ids
        self.assertEqual([(s.name, s.day_offset, s.channel, s.offer_step_id) for s in steps],
                         [("Invitation", 2, "export", offer_invitation), ("Reminder", 4, "export", offer_reminder)])
        self.assertEqual(steps[0].body, "Hello {{ object.first_name }}, LenteViva lenses are waiting for you")
        # The contact already planned moves with its step; the new step is planned for the shop's target.
        self.assertEqual((invitation.scheduled_date, invitation.state), (D(2027, 3, 3), "planned"))
        with freeze_time(TODAY):
            self.plan(D(2027, 3, 1), shop=self.shop_x)
            self.plan(D(2027, 3, 1), shop=self.shop_y)
        planned = self.communications(campaign_id=campaign.id)
        self.assertEqual([(c.partner_id, c.campaign_step_id, c.scheduled_date) for c in planned],
                         [(lucia, steps[0], D(2027, 3, 3)), (lucia, steps[1], D(2027, 3, 5))])
        # What the shop adapts stays the shop's; the shop that declined gets nothing of it.
        self.assertEqual((campaign.partner_domain, campaign.sender_name),
                         ("[('name', 'ilike', 'lucia')]", "LenteViva"))
        self.assertFalse(self.participation(self.shop_y).campaign_id)
        self.assertFalse(self.Communication.search([("company_id", "=", self.shop_y.id)]))

        # A new channel and purpose reach the shop's step and its pending contact, checked by the rules again.
        self.offer.with_user(self.owner_x).write({"step_ids": [(1, offer_reminder.id, {
            "channel": "email", "purpose": "service", "subject": "LenteViva"})]})
        self.assertEqual((steps[1].channel, steps[1].purpose, steps[1].subject), ("email", "service", "LenteViva"))
        self.assertEqual((planned[1].channel, planned[1].purpose, planned[1].state), ("email", "service", "planned"))

        # The supplier removes its invitation: it goes from the shop's campaign, its pending contact is cancelled.
        self.offer.with_user(self.owner_x).write({"step_ids": [(2, offer_invitation.id)]})
        self.assertEqual(campaign.step_ids, steps[1])
        self.assertEqual((invitation.state, invitation.skip_reason), ("cancelled", "Step removed"))
        with freeze_time("2027-03-03 10:00:00"):
            self.plan(D(2027, 3, 3), shop=self.shop_x)
            due = self.Communication.search([("company_id", "=", self.shop_x.id), ("state", "=", "planned"),
                                             ("scheduled_date", "<=", D(2027, 3, 3))])
        self.assertFalse(due.filtered(lambda c: c.campaign_id == campaign))

    def test_a_shop_joining_again_gets_the_steps_of_today(self):
        with freeze_time(TODAY):
            self.participation(self.shop_x, self.owner_x).action_join()
            self.participation(self.shop_x, self.owner_x).action_decline()
        campaign = self.participation(self.shop_x).campaign_id
        self.assertEqual(campaign.state, "cancelled")
        # While the shop is out, the supplier replaces its invitation with a reminder.
        old_step = self.offer.step_ids
        self.offer.with_user(self.owner_x).write({"step_ids": [(2, old_step.id), (0, 0, {
            "name": "Reminder", "day_offset": 3, "channel": "export", "body": "LenteViva, {{ object.first_name }}"})]})
        with freeze_time(TODAY):
            self.participation(self.shop_x, self.owner_x).action_join()
            self.plan(D(2027, 3, 1), shop=self.shop_x)
        self.assertEqual(self.participation(self.shop_x).campaign_id, campaign)
        self.assertEqual([(s.name, s.day_offset, s.offer_step_id) for s in campaign.step_ids],
                         [("Reminder", 3, self.offer.step_ids)])
        planned = self.communications(campaign_id=campaign.id).filtered(lambda c: c.state == "planned")
        self.assertEqual((planned.partner_id, set(planned.mapped("scheduled_date"))),
                         (self.anna | self.piero, {D(2027, 3, 4)}))
