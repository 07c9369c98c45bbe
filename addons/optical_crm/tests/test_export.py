import base64
import csv
import datetime
import io

import openpyxl
from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import OpticalCrmCase

D = datetime.date


@tagged("post_install", "-at_install", "optical_crm")
class TestExport(OpticalCrmCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.birthday = cls.cycle("optometry", [(0, "days", "export")], supersede=False)
        cls.event(cls.mario, "optometry", D(2026, 3, 2))
        cls.event(cls.lucia, "optometry", D(2026, 3, 4))
        cls.event(cls.lucia, "optometry", D(2026, 3, 20))
        cls.env["optical.crm.communication"]._plan_company(cls.shop_a, D(2026, 3, 1), D(2026, 3, 31))

    def export(self, file_format):
        wizard = self.env["optical.crm.export.wizard"].with_user(self.staff_a).create({
            "cycle_id": self.birthday.id, "date_from": D(2026, 3, 1), "date_to": D(2026, 3, 7),
            "file_format": file_format,
        })
        action = wizard.action_export()
        # The file is downloaded, then the dialog closes (static/src/export/download_close_action.js).
        self.assertEqual((action["type"], action["tag"]), ("ir.actions.client", "optical_crm_download_and_close"))
        self.assertEqual(action["params"]["data"], {"model": wizard._name, "id": wizard.id, "field": "file_data",
                                                    "filename_field": "file_name", "download": "true"})
        self.assertTrue(wizard.file_name.endswith(file_format))
        return base64.b64decode(wizard.file_data)

    def test_csv_lists_customers_with_rendered_text(self):
        rows = list(csv.reader(io.StringIO(self.export("csv").decode("utf-8-sig"))))
        self.assertEqual(rows[0][:4], ["Date", "Customer", "First name", "Mobile"])
        self.assertEqual([(r[0], r[1], r[2], r[3]) for r in rows[1:]],
                         [("2026-03-02", "Mario Rossi", "Mario", "+393331112233"),
                          ("2026-03-04", "Lucia Bianchi", "Lucia", "+393334445566")])
        self.assertEqual(rows[1][-1], "Dear Mario Rossi, from Ottica Centrale")
        self.assertEqual(rows[1][-2], "Hello Mario")

    def test_export_carries_the_postal_address(self):
        self.mario.write({"street": "Via Roma 12", "zip": "20121", "city": "Milano",
                          "country_id": self.env.ref("base.it").id,
                          "state_id": self.env.ref("base.state_it_mi").id})
        rows = list(csv.reader(io.StringIO(self.export("csv").decode("utf-8-sig"))))
        address = dict(zip(rows[0], rows[1], strict=True))
        self.assertEqual((address["Street"], address["ZIP"], address["City"], address["Province"]),
                         ("Via Roma 12", "20121", "Milano", "MI"))
        self.assertEqual(dict(zip(rows[0], rows[2], strict=True))["Street"], "", "a customer without address gets empty cells")

    def test_xlsx_has_the_same_rows(self):
        sheet = openpyxl.load_workbook(io.BytesIO(self.export("xlsx"))).active
        values = list(sheet.values)
        self.assertEqual(values[0][1], "Customer")
        self.assertEqual([v[1] for v in values[1:]], ["Mario Rossi", "Lucia Bianchi"])
        self.assertEqual(values[2][-1], "Dear Lucia Bianchi, from Ottica Centrale")

    def test_nothing_chosen_exports_everyone_to_contact(self):
        """No cyclic activity or campaign chosen: everyone to contact in the period, whatever the origin."""
        other = self.cycle("glasses_delivery", [(0, "days", "export")], supersede=False)
        self.event(self.mario, "glasses_delivery", D(2026, 3, 5))
        self.env["optical.crm.communication"]._plan_company(self.shop_a, D(2026, 3, 1), D(2026, 3, 31))
        wizard = self.env["optical.crm.export.wizard"].with_user(self.staff_a).create({
            "date_from": D(2026, 3, 1), "date_to": D(2026, 3, 7), "file_format": "xlsx"})
        wizard.action_export()
        sheet = openpyxl.load_workbook(io.BytesIO(base64.b64decode(wizard.file_data))).active
        values = list(sheet.values)[1:]
        self.assertEqual(len(values), 3)
        self.assertIn(other.step_ids.name, [row[14] for row in values])
        # Dates are date cells, shown in the shop's format.
        self.assertEqual(values[0][0].date(), D(2026, 3, 2))
        self.assertEqual(sheet.cell(row=2, column=1).number_format, wizard._xlsx_date_format())
        self.assertNotIn("%", wizard._xlsx_date_format())
        with self.assertRaisesRegex(UserError, "To: the end date"):
            wizard.write({"date_to": D(2026, 2, 1)})
            wizard.action_export()

    def test_mark_as_done_closes_only_the_exported_export_contacts(self):
        """'Mark exported as done': the export contacts handed to the other tool
        are done; a contact still planned, the call of the same cyclic
        activity, and an export left unmarked keep their state."""
        both = self.cycle("glasses_delivery", [(0, "days", "export"), (0, "days", "phone", "service")],
                          supersede=False)
        self.event(self.mario, "glasses_delivery", D(2026, 3, 2))
        self.event(self.lucia, "glasses_delivery", D(2026, 3, 6))
        with freeze_time("2026-03-02 10:00:00"):
            self.Communication._plan_company(self.shop_a, D(2026, 3, 1), D(2026, 3, 31))
            self.Communication._cron_send_communications()
        export, call = (self.communications(partner_id=self.mario.id, cycle_id=both.id, channel=channel)
                        for channel in ("export", "phone"))
        later = self.communications(partner_id=self.lucia.id, cycle_id=both.id, channel="export")
        self.assertEqual((export.state, call.state, later.state), ("sent", "sent", "planned"))

        def run(mark_done):
            wizard = self.env["optical.crm.export.wizard"].with_user(self.staff_a).create({
                "cycle_id": both.id, "date_from": D(2026, 3, 1), "date_to": D(2026, 3, 7), "file_format": "csv",
                "mark_done": mark_done,
            })
            wizard.action_export()
            rows = list(csv.reader(io.StringIO(base64.b64decode(wizard.file_data).decode("utf-8-sig"))))
            self.env.invalidate_all()
            return rows

        self.assertEqual(len(run(mark_done=False)) - 1, 4)
        self.assertEqual((export.state, call.state, later.state), ("sent", "sent", "planned"))
        self.assertEqual(len(run(mark_done=True)) - 1, 4)
        self.assertEqual((export.state, call.state, later.state), ("done", "sent", "planned"))
        # The call is still on the call list.
        self.assertTrue(call.activity_id)
