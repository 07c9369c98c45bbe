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
        tally = _Tally(self.env)
        auto_commit = may_commit(self.env)
        chunk, lines = [], []
        for line, record in self._read_records():
            if isinstance(record, FileLineError):
                tally.line_error(line, record)
                continue
            chunk.append(record)
            lines.append(line)
            if len(chunk) >= CHUNK_SIZE:
                self._import_chunk(store, chunk, lines, tally, auto_commit)
        if chunk:
            self._import_chunk(store, chunk, lines, tally, auto_commit)
        self.write(tally.values())
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
        }

    def _import_chunk(self, store, chunk, lines, tally, auto_commit):
        """Send one chunk of records through the route's pipeline."""
        tally.add(lines, store._receive(chunk))
        chunk.clear()
        lines.clear()
        if auto_commit:
            # A first load runs for minutes: keep every chunk applied so far
            # even if the request is cut; importing again skips it (unchanged).
            self.env.cr.commit()  # pylint: disable=invalid-commit

    def action_view_errors(self):
        return self.store_id.action_view_errors()


class _Tally:
    """The counts and reports of an import, from the answers of its chunks."""

    def __init__(self, env):
        self.env = env
        self.counts = dict.fromkeys(STATUSES, 0)
        self.errors, self.warnings = [], []
        self.warned = set()
        self.waiting_lines = {}

    def line_error(self, line, error):
        self.counts["error"] += 1
        self.errors.append(self.env._("line %(line)s: %(field)s: %(reason)s", line=line, field=error.field,
                                      reason=error.reason))

    def add(self, lines, answer):
        """Count the answer of a chunk (``lines``: the file line of each record)."""
        for line, result in zip(lines, answer["results"], strict=True):
            self.counts[result["status"]] += 1
            if result["status"] == "error":
                self.errors.append(self.env._(
                    "line %(line)s: %(type)s %(id)s: %(field)s: %(reason)s", line=line,
                    type=result.get("type") or "?", id=result.get("id") or "?",
                    field=result["field"], reason=result["reason"]))
            self._warnings(line, result)
        for result in answer["released"]:
            self.counts["waiting"] = max(self.counts["waiting"] - 1, 0)
            self.counts[result["status"]] += 1
            self._warnings(self.waiting_lines.get((result.get("type"), result.get("id")), "?"), result)
        self.waiting_lines.update({(result.get("type"), result.get("id")): line
                                   for line, result in zip(lines, answer["results"], strict=True)
                                   if result["status"] == "waiting"})

    def _warnings(self, line, result):
        if result.get("warnings"):
            self.warned.add((result.get("type"), result.get("id")))
        for warning in result.get("warnings") or ():
            self.warnings.append(self.env._(
                "line %(line)s: %(type)s %(id)s: %(field)s: %(reason)s", line=line, type=result.get("type") or "?",
                id=result.get("id") or "?", field=warning["field"], reason=warning["reason"]))

    def values(self):
        """The wizard's values once the import is done."""
        values = {"%s_count" % status: count for status, count in self.counts.items()}
        values.update(state="done", error_report="\n".join(self.errors[:1000]) or False,
                      warning_count=len(self.warned),
                      warning_report="\n".join(self.warnings[:1000]) or False)
        return values
