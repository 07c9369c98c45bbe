"""What makes the sync fast keeps its answers: a replay is answered from one
lookup without a write, events written in one statement still trigger the
rules, consent changes of a whole batch still reach the planned contacts."""
from odoo.tests import tagged

from ..tools.fingerprint import fingerprint
from .common import FocusSyncCase


@tagged("post_install", "-at_install", "optical_focus_sync")
class TestFocusScale(FocusSyncCase):

    def customer(self, focus_id, surname, number, updated_at="2026-01-10T09:00:00", **data):
        return self.cliente(focus_id, updated_at, codice_fiscale=None, cognome=surname, cellulare="347%07d" % number,
                            email="%s@example.com" % surname.lower(), **data)

    def test_replay_is_answered_from_one_lookup_without_writing(self):
        batch = [
            self.customer("C1", "Verdi", 1),
            self.customer("C2", "Bianchi", 2, telefono="not a phone"),  # applied with a warning
            self.record("occhiale", "O1", cliente="C1", data_consegna="2026-01-12", tipo_lente="progressiva"),
            self.record("vendita", "V1", cliente="C9", data_consegna="2026-01-04"),  # waits for C9
            self.record("optometria", "E1", cliente="C1", data="13/45/2026"),  # in error
        ]
        first = self.send(*batch)
        self.assertEqual([result["status"] for result in first["results"]],
                         ["created", "created", "created", "waiting", "error"])
        self.assertTrue(first["results"][1]["warnings"])
        stored = self.focus_record("cliente", "C1")
        self.assertEqual(stored.fingerprint, fingerprint(batch[0]))
        self.env.cr.execute("SELECT max(write_date) FROM optical_focus_record")
        records_written = self.env.cr.fetchone()[0]
        partner = stored.partner_id
        partner_written = partner.write_date

        # Every record is recognised by the one lookup: none goes the long way.
        results = [None] * len(batch)
        long_way, _prints = self.store_a._answer_replayed(batch, results)
        self.assertEqual(long_way, [])
        expected = [dict(result, status="unchanged") if result["status"] == "created" else result
                    for result in first["results"]]
        self.assertEqual(results, expected)

        replay = self.send(*batch)
        self.assertEqual(replay["results"], expected)
        self.env.cr.execute("SELECT max(write_date) FROM optical_focus_record")
        self.assertEqual(self.env.cr.fetchone()[0], records_written)
        self.assertEqual(partner.write_date, partner_written)

        # Sent twice in a batch, or with the same updated_at but other content:
        # checked the long way, with the answers the long way always gave.
        changed = self.customer("C1", "Verdi", 1, nome="Marco")
        results = [None] * 3
        long_way, _prints = self.store_a._answer_replayed([batch[2], batch[2], changed], results)
        self.assertEqual(long_way, [0, 1, 2])
        answer = self.send(batch[2], batch[2], changed)
        self.assertEqual([result["status"] for result in answer["results"]], ["ignored", "unchanged", "unchanged"])
        self.assertEqual(partner.name, "Mario Verdi")

    def test_consent_withdrawn_for_a_batch_of_customers_skips_their_calls(self):
        # A marketing call (a channel of core): its consent is the marketing consent.
        self.env["optical.crm.cycle"].create({
            "name": "Welcome", "event_type": "new_customer", "company_id": self.shop_a.id,
            "step_ids": [(0, 0, {"name": "Welcome call", "interval_number": 3, "interval_unit": "days",
                                 "channel": "phone", "purpose": "marketing"})],
        })
        created = str(self.days(-1))
        people = [("C1", "Verdi", 1), ("C2", "Bianchi", 2), ("C3", "Neri", 3)]
        self.send(*[self.customer(*person, data_creazione=created) for person in people])
        self.env["optical.crm.communication"]._plan_company(self.shop_a, self.days(-3), self.days(7))
        partners = self.Partner.browse([self.focus_record("cliente", focus_id).partner_id.id
                                        for focus_id, _surname, _number in people])
        communications = partners.optical_communication_ids
        self.assertEqual(communications.mapped("state"), ["planned"] * 3)
        answer = self.send(*[self.customer(*person, updated_at="2026-01-11T09:00:00", data_creazione=created,
                                           consenso_marketing="N") for person in people[:2]])
        self.assertEqual([result["status"] for result in answer["results"]], ["updated", "updated"])
        self.assertEqual([partner.optical_consent_marketing for partner in partners], [False, False, True])
        states = {c.partner_id: (c.state, c.skip_code) for c in communications}
        self.assertEqual([states[partner] for partner in partners],
                         [("skipped", "consent"), ("skipped", "consent"), ("planned", False)])

    def test_events_written_at_once_still_supersede_and_set_the_shop(self):
        self.env["optical.crm.cycle"].create({
            "name": "Glasses check", "event_type": "glasses_delivery", "company_id": self.shop_a.id,
            "supersede": True,
            "step_ids": [(0, 0, {"name": "Call", "interval_number": 7, "interval_unit": "days",
                                 "channel": "phone", "purpose": "service"})],
        })
        self.send(self.customer("C1", "Verdi", 1),
                  self.record("occhiale", "O1", cliente="C1", data_consegna=str(self.days(-3)),
                              tipo_lente="progressiva", importo="450,00"))
        partner = self.focus_record("cliente", "C1").partner_id
        self.assertEqual(partner.optical_shop_id, self.shop_a)
        first = self.focus_record("occhiale", "O1").event_ids.filtered(lambda e: e.event_type == "glasses_delivery")
        self.assertEqual((first.amount, first.is_purchase, first.source), (450.0, False, "focus"))
        self.env["optical.crm.communication"]._plan_company(self.shop_a, self.days(-3), self.days(7))
        call = first.communication_ids
        self.assertEqual(call.state, "planned")
        self.send(self.record("occhiale", "O2", cliente="C1", data_consegna=str(self.days(-1)),
                              tipo_lente="progressiva"))
        self.assertEqual(call.state, "cancelled")
        self.send(self.record("vendita", "V1", cliente="C1", data_consegna=str(self.days(-1)), importo="35,50"))
        sale = self.focus_record("vendita", "V1").event_ids
        self.assertEqual((sale.event_type, sale.is_purchase, sale.amount, sale.partner_id),
                         ("sale_delivery", True, 35.5, partner))

    def test_events_written_at_once_give_a_customer_without_company_their_shop(self):
        # A contact as Odoo creates it: no company; its shop comes from its most recent event.
        partner = self.Partner.create({"name": "Lucia Neri"})
        self.assertFalse(partner.optical_shop_id)
        record = self.Record.create({"store_id": self.store_a.id, "record_type": "optometria", "focus_id": "E9",
                                     "updated_at": "2026-01-10 09:00:00", "payload": {}})
        events = self.env["optical.crm.event"]._focus_insert([{
            "partner_id": partner.id, "event_type": "optometry", "event_date": self.days(-2),
            "company_id": self.shop_a.id, "focus_record_id": record.id, "amount": 12.345,
        }])
        self.assertEqual(partner.optical_shop_id, self.shop_a)
        self.assertEqual((events.amount, events.source, events.active, record.event_ids), (12.35, "focus", True, events))
