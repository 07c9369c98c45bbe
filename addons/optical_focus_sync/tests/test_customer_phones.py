"""New FOCUS customers are created set-based with the sanitized phone the
mapper validated, not parsed a second time: it is what Odoo computes."""
from odoo.tests import tagged

from .common import FocusSyncCase


@tagged("post_install", "-at_install", "optical_focus_sync")
class TestFocusCustomerPhones(FocusSyncCase):

    def test_sanitized_phone_is_what_odoo_computes(self):
        cases = {
            "C1": {"cellulare": "347 1234567"},  # a valid mobile
            "C2": {"cellulare": "036 7492492", "telefono": "02 12345678"},  # kept as written; a valid landline
            "C3": {"cellulare": None, "telefono": "+39 02 7654321"},  # the landline only
            "C4": {"cellulare": "036 7492492"},  # kept as written, nothing valid
            "C5": {"cellulare": None},  # no number
        }
        self.send(*[self.cliente(focus_id, codice_fiscale=None, cognome="Cliente%s" % focus_id,
                                 email="%s@example.com" % focus_id.lower(), **data)
                    for focus_id, data in cases.items()])
        partners = {focus_id: self.focus_record("cliente", focus_id).partner_id for focus_id in cases}
        stored = {focus_id: partner.phone_sanitized for focus_id, partner in partners.items()}
        self.assertEqual(stored, {"C1": "+393471234567", "C2": "+390212345678", "C3": "+39027654321",
                                  "C4": False, "C5": False})
        for focus_id, partner in partners.items():
            # Odoo's own computation, on the partner as stored.
            partner.invalidate_recordset()
            self.env.add_to_compute(partner._fields["phone_sanitized"], partner)
            partner.flush_recordset()
            self.assertEqual(partner.phone_sanitized, stored[focus_id], focus_id)
