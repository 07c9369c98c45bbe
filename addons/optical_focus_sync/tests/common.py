import datetime
import json

from odoo.tests import HttpCase, new_test_user

BATCH_URL = "/optical_focus_sync/v1/batch"
NOTES_URL = "/optical_focus_sync/v1/notes"


class FocusSyncCase(HttpCase):
    """Two shops, each with its FOCUS store and token; the tests play FOCUS
    by sending real HTTP requests to the routes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, mail_create_nolog=True))
        # Shops of their own: customers of demo data (in the main company) are never matched.
        cls.shop_a = cls.env["res.company"].create({"name": "Ottica Centrale", "optical_catchup_days": 3,
                                                    "optical_horizon_days": 7, "optical_pressure_max": 0})
        cls.shop_b = cls.env["res.company"].create({"name": "Ottica del Corso"})
        cls.staff_a = new_test_user(
            cls.env, "focus_staff_a", groups="optical_crm.group_optical_crm_user",
            company_id=cls.shop_a.id, company_ids=[cls.shop_a.id], name="Giulia Staff")
        cls.staff_b = new_test_user(
            cls.env, "focus_staff_b", groups="optical_crm.group_optical_crm_user",
            company_id=cls.shop_b.id, company_ids=[cls.shop_b.id], name="Paolo Staff")
        cls.owner = new_test_user(
            cls.env, "focus_owner", groups="optical_crm.group_optical_crm_manager",
            company_id=cls.shop_a.id, company_ids=[cls.shop_a.id, cls.shop_b.id], name="Anna Owner")
        Store = cls.env["optical.focus.store"]
        cls.store_a = Store.create({"name": "FOCUS Centrale", "code": "MI01", "company_id": cls.shop_a.id})
        cls.store_b = Store.create({"name": "FOCUS Corso", "code": "MI02", "company_id": cls.shop_b.id})
        cls.token_a = cls.store_a.generate_token()
        cls.token_b = cls.store_b.generate_token()
        cls.Partner = cls.env["res.partner"]
        cls.Event = cls.env["optical.crm.event"].with_context(active_test=False)
        cls.Record = cls.env["optical.focus.record"]
        cls.today = cls.shop_a._optical_today()

    # ------------------------------------------------------------------
    # Playing FOCUS
    # ------------------------------------------------------------------

    def post(self, records, token=None, store="MI01", body=None, headers=None):
        """POST a batch as FOCUS does; returns the response."""
        if body is None:
            body = json.dumps({"store": store, "records": records})
        all_headers = {"Content-Type": "application/json",
                       "Authorization": "Bearer %s" % (self.token_a if token is None else token)}
        all_headers.update(headers or {})
        response = self.url_open(BATCH_URL, data=body, headers=all_headers)
        self.env.invalidate_all()
        return response

    def send(self, *records, **kwargs):
        """POST a batch that must be accepted; returns the answer."""
        response = self.post(list(records), **kwargs)
        self.assertEqual(response.status_code, 200, response.text)
        return response.json()

    def statuses(self, answer):
        return [(result["type"], result["id"], result["status"]) for result in answer["results"]]

    def notes(self, since, token=None):
        headers = {"Authorization": "Bearer %s" % (self.token_a if token is None else token)}
        return self.url_open("%s?since=%s" % (NOTES_URL, since), headers=headers)

    @staticmethod
    def record(record_type, focus_id, updated_at="2026-01-10T09:00:00", deleted=None, **data):
        record = {"type": record_type, "id": focus_id, "updated_at": updated_at, "data": data}
        if deleted is not None:
            record["deleted"] = deleted
        return record

    def cliente(self, focus_id, updated_at="2026-01-10T09:00:00", **data):
        values = {
            "cognome": "Rossi", "nome": "Mario", "cellulare": "3471234567", "email": "mario.rossi@example.com",
            "codice_fiscale": "RSSMRA85T10A562S", "data_nascita": "1985-12-10", "provincia": "MI",
            "citta": "Milano", "consenso_marketing": "S", "consenso_sms": "S", "consenso_app": "N",
            "data_creazione": "2020-03-01",
        }
        values.update(data)
        return self.record("cliente", focus_id, updated_at, **{k: v for k, v in values.items() if v is not None})

    # ------------------------------------------------------------------
    # Looking at Odoo
    # ------------------------------------------------------------------

    def focus_record(self, record_type, focus_id, store=None):
        return self.Record.search([("store_id", "=", (store or self.store_a).id), ("record_type", "=", record_type),
                                   ("focus_id", "=", focus_id)])

    def events(self, partner, event_type=None):
        domain = [("partner_id", "=", partner.id)]
        if event_type:
            domain.append(("event_type", "=", event_type))
        return self.Event.search(domain)

    def days(self, number):
        return self.today + datetime.timedelta(days=number)
