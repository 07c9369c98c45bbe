import base64

from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.optical_crm.models.optical_crm_batch_mixin import may_commit

from ..models.optical_focus_record import RECORD_TYPE_SELECTION
from ..tools.import_file import FileLineError, read_csv, read_json_lines
from ..tools.mappers import FOCUS_FIELDS

# Records applied per batch: the same size FOCUS uses on the route.
CHUNK_SIZE = 1000
STATUSES = ("created", "updated", "deleted", "unchanged", "ignored", "waiting", "error")


class OpticalFocusImportWizard(models.TransientModel):
    """First load of an existing shop from FOCUS export files: the records
    run the same pipeline as the batches FOCUS sends to the route."""

    _name = "optical.focus.import.wizard"
    _description = "Import a FOCUS export"

    store_id = fields.Many2one("optical.focus.store", "FOCUS shop", required=True)
    file_format = fields.Selection(
        [("jsonl", "JSON lines (all record types)"), ("csv", "CSV (one record type)")],
        "Format", required=True, default="jsonl",
    )
    record_type = fields.Selection(RECORD_TYPE_SELECTION, "Record type",
                                   help="The FOCUS record type the CSV file holds.")
    file = fields.Binary(required=True)
    filename = fields.Char()
    state = fields.Selection([("draft", "Draft"), ("done", "Done")], default="draft")
    created_count = fields.Integer("Created", readonly=True)
    updated_count = fields.Integer("Updated", readonly=True)
    deleted_count = fields.Integer("Deleted", readonly=True)
    unchanged_count = fields.Integer("Unchanged", readonly=True)
    ignored_count = fields.Integer("Ignored (older)", readonly=True)
    waiting_count = fields.Integer("Waiting for customer", readonly=True)
    error_count = fields.Integer("In error", readonly=True)
    error_report = fields.Text("Errors", readonly=True)
    warning_count = fields.Integer("With warnings", readonly=True,
                                   help="Records applied without some optional values (each named below).")
    warning_report = fields.Text("Warnings", readonly=True)

    def _read_records(self):
        content = base64.b64decode(self.file or b"")
        if self.file_format == "csv":
            if not self.record_type:
                raise UserError(self.env._("Record type: say which FOCUS record type the CSV file holds."))
            return read_csv(content, self.record_type, FOCUS_FIELDS[self.record_type])
        return read_json_lines(content)

    def action_import(self):
        self.ensure_one()
        if not self.file:
            raise UserError(self.env._("File: choose the FOCUS export to import."))
        self.store_id.check_access("write")
        # The import writes customers and events as the route does: what the
        # FOCUS export holds decides, for an owner allowed to set up the shop.
        store = self.store_id.sudo().with_company(self.store_id.company_id)
        counts = dict.fromkeys(STATUSES, 0)
        auto_commit = may_commit(self.env)
        errors, warnings = [], []
        chunk, lines = [], []

        waiting_lines = {}

        warned = set()

        def record_warnings(line, result):
            if result.get("warnings"):
                warned.add((result.get("type"), result.get("id")))
            for warning in result.get("warnings") or ():
                warnings.append(self.env._("line %(line)s: %(type)s %(id)s: %(field)s: %(reason)s", line=line,
                                           type=result.get("type") or "?", id=result.get("id") or "?",
                                           field=warning["field"], reason=warning["reason"]))

        def flush():
            answer = store._receive(chunk)
            for line, result in zip(lines, answer["results"], strict=True):
                counts[result["status"]] += 1
                if result["status"] == "error":
                    errors.append(self.env._("line %(line)s: %(type)s %(id)s: %(field)s: %(reason)s", line=line,
                                             type=result.get("type") or "?", id=result.get("id") or "?",
                                             field=result["field"], reason=result["reason"]))
                record_warnings(line, result)
            for result in answer["released"]:
                counts["waiting"] = max(counts["waiting"] - 1, 0)
                counts[result["status"]] += 1
                record_warnings(waiting_lines.get((result.get("type"), result.get("id")), "?"), result)
            waiting_lines.update({(result.get("type"), result.get("id")): line
                                  for line, result in zip(lines, answer["results"], strict=True) if result["status"] == "waiting"})
            chunk.clear()
            lines.clear()
            if auto_commit:
                # A first load runs for minutes: keep every chunk applied so far
                # even if the request is cut; importing again skips it (unchanged).
                self.env.cr.commit()  # pylint: disable=invalid-commit

        for line, record in self._read_records():
            if isinstance(record, FileLineError):
                counts["error"] += 1
                errors.append(self.env._("line %(line)s: %(field)s: %(reason)s", line=line, field=record.field,
                                         reason=record.reason))
                continue
            chunk.append(record)
            lines.append(line)
            if len(chunk) >= CHUNK_SIZE:
                flush()
        if chunk:
            flush()
        values = {"%s_count" % status: count for status, count in counts.items()}
        values.update(state="done", error_report="\n".join(errors[:1000]) or False,
                      warning_count=len(warned),
                      warning_report="\n".join(warnings[:1000]) or False)
        self.write(values)
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_view_errors(self):
        return self.store_id.action_view_errors()
