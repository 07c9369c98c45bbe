import base64
import csv
import io

import xlsxwriter

from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.optical_crm_step_mixin import channel_selection


class OpticalCrmExportWizard(models.TransientModel):
    """Customers to contact in a date range (of one cyclic activity or
    campaign, or everyone), with the rendered text, for another tool
    (WhatsApp, letters)."""

    _name = "optical.crm.export.wizard"
    _description = "Export customers to contact"

    cycle_id = fields.Many2one("optical.crm.cycle", "Cyclic activity")
    campaign_id = fields.Many2one("optical.crm.campaign", )
    date_from = fields.Date("From", required=True, default=lambda self: self.env.company._optical_today())
    date_to = fields.Date(
        "To", required=True, default=lambda self: fields.Date.add(self.env.company._optical_today(), days=7))
    file_format = fields.Selection([("xlsx", "Excel (XLSX)"), ("csv", "CSV")], "Format", required=True,
                                   default="xlsx")
    channel = fields.Selection(channel_selection, "Only channel")
    mark_done = fields.Boolean("Mark exported as done", help="Exported communications of the export channel "
                               "become done: they were handed to the other tool.")
    file_data = fields.Binary("File", readonly=True, attachment=False)
    file_name = fields.Char(readonly=True)

    def _communications(self):
        self.ensure_one()
        if self.date_to < self.date_from:
            raise UserError(self.env._("To: the end date is before the start date."))
        domain = [
            ("scheduled_date", ">=", self.date_from), ("scheduled_date", "<=", self.date_to),
            ("state", "in", ("planned", "sent")),
        ]
        if self.cycle_id:
            domain.append(("cycle_id", "=", self.cycle_id.id))
        if self.campaign_id:
            domain.append(("campaign_id", "=", self.campaign_id.id))
        if self.channel:
            domain.append(("channel", "=", self.channel))
        return self.env["optical.crm.communication"].search(domain, order="scheduled_date, partner_id, id")

    @api.model
    def _headers(self):
        _ = self.env._
        return [_("Date"), _("Customer"), _("First name"), _("Mobile"), _("Phone"), _("E-mail"),
                _("Street"), _("Street 2"), _("ZIP"), _("City"), _("Province"), _("Country"), _("Shop"),
                _("Channel"), _("Step"), _("State"), _("Title"), _("Text")]

    def _rows(self, communications):
        texts = communications._rendered_texts()
        channels = dict(communications._fields["channel"]._description_selection(self.env))
        states = dict(communications._fields["state"]._description_selection(self.env))
        rows = []
        for communication in communications:
            partner = communication.partner_id
            subject, body = texts[communication.id]
            rows.append([
                communication.scheduled_date, partner.name or "",
                partner._optical_first_name(), partner.mobile or "", partner.phone or "", partner.email or "",
                # The postal address, for letters.
                partner.street or "", partner.street2 or "", partner.zip or "", partner.city or "",
                partner.state_id.code or "", partner.country_id.name or "",
                communication.company_id.name, channels[communication.channel],
                (communication.cycle_step_id or communication.campaign_step_id).name or "",
                states[communication.state], subject or "", body or "",
            ])
        return rows

    def _xlsx_date_format(self):
        """The shop's date format (``%d/%m/%Y``) in Excel's notation (``dd/mm/yyyy``)."""
        lang = self.env["res.lang"]._get_data(code=self.env.company._optical_lang())
        pattern = (lang.date_format if lang else None) or "%d/%m/%Y"
        for python, excel in (("%d", "dd"), ("%m", "mm"), ("%Y", "yyyy"), ("%y", "yy"), ("%b", "mmm"),
                              ("%B", "mmmm"), ("%e", "d")):
            pattern = pattern.replace(python, excel)
        return pattern

    def action_export(self):
        self.ensure_one()
        communications = self._communications()
        rows = self._rows(communications)
        name = (self.cycle_id or self.campaign_id).name or self.env._("Customers to contact")
        if self.file_format == "csv":
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(self._headers())
            # Dates in ISO 8601 (2026-03-02): what spreadsheets read as a date whatever their language.
            writer.writerows([fields.Date.to_string(row[0]), *row[1:]] for row in rows)
            data = buffer.getvalue().encode("utf-8-sig")  # BOM: Excel opens accents right
        else:
            output = io.BytesIO()
            workbook = xlsxwriter.Workbook(output, {"in_memory": True})
            sheet = workbook.add_worksheet(name[:31])
            bold = workbook.add_format({"bold": True})
            # The date as a date cell (sortable, filterable), shown as the shop writes dates.
            date_format = workbook.add_format({"num_format": self._xlsx_date_format()})
            sheet.write_row(0, 0, self._headers(), bold)
            for index, row in enumerate(rows, start=1):
                sheet.write_datetime(index, 0, fields.Datetime.to_datetime(row[0]), date_format)
                sheet.write_row(index, 1, row[1:])
            sheet.set_column(0, 0, 12)
            workbook.close()
            data = output.getvalue()
        if self.mark_done:
            communications.filtered(lambda c: c.channel == "export")._mark_done()
        self.write({
            "file_data": base64.b64encode(data),
            "file_name": "%s_%s_%s.%s" % (name, self.date_from, self.date_to, self.file_format),
        })
        # The file is downloaded and the dialog closes (static/src/export/download_close_action.js).
        return {
            "type": "ir.actions.client",
            "tag": "optical_crm_download_and_close",
            "params": {"url": "/web/content", "data": {
                "model": self._name, "id": self.id, "field": "file_data", "filename_field": "file_name",
                "download": "true"}},
        }
