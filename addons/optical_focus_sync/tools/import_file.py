"""FOCUS export files → batch records: pure functions, no Odoo import.

Two shapes, both giving the records of a batch (``{"type", "id",
"updated_at", "data"}``) so that a file runs the same pipeline as the route:

- JSON lines: one batch record per line;
- CSV: one file per record type, a header line with ``id``, ``updated_at``,
  optionally ``deleted``, and the FOCUS field names of that type.

A line that cannot be read becomes a :class:`FileLineError` with its number,
never a reason to stop reading the others.
"""
import csv
import io
import json

ENVELOPE_COLUMNS = ("id", "updated_at", "deleted")
CSV_DELIMITERS = ",;\t|"


class FileLineError(ValueError):
    def __init__(self, line, field, reason):
        super().__init__("line %d: %s: %s" % (line, field, reason))
        self.line = line
        self.field = field
        self.reason = reason


def decode(content):
    """Bytes of an export → text (UTF-8, with or without BOM, else Latin-1)."""
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def read_json_lines(content):
    """Yield ``(line_number, record_or_FileLineError)`` for every non-blank line."""
    for number, line in enumerate(decode(content).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as error:
            yield number, FileLineError(number, "line", "not valid JSON (%s)" % error)
            continue
        if not isinstance(record, dict):
            yield number, FileLineError(number, "line", "expected a JSON object")
            continue
        yield number, record


def _sniff_delimiter(header_line):
    counts = {delimiter: header_line.count(delimiter) for delimiter in CSV_DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(content, record_type, known_fields):
    """Yield ``(line_number, record_or_FileLineError)`` for every data row of a
    CSV export of ``record_type``; ``known_fields`` are its FOCUS field names."""
    content = decode(content)
    lines = content.splitlines()
    if not lines:
        return
    reader = csv.reader(io.StringIO(content), delimiter=_sniff_delimiter(lines[0]))
    header = [column.strip() for column in next(reader, [])]
    problem = _header_problem(header, record_type, known_fields)
    if problem:
        yield 1, FileLineError(1, "header", problem)
        return
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield number, FileLineError(
                number, "line", "%d columns where the header has %d" % (len(row), len(header)))
            continue
        yield number, _csv_record(record_type, header, row)


def _header_problem(header, record_type, known_fields):
    """What is wrong with the header line of a CSV export, or None."""
    missing = [column for column in ("id", "updated_at") if column not in header]
    unknown = [column for column in header if column not in ENVELOPE_COLUMNS and column not in known_fields]
    problems = []
    if missing:
        problems.append("missing column(s) %s" % ", ".join(missing))
    if unknown:
        problems.append("unknown column(s) %s for %s" % (", ".join(unknown), record_type))
    return "; ".join(problems) or None


def _csv_record(record_type, header, row):
    """The batch record of one CSV row (as many cells as the header)."""
    values = dict(zip(header, row, strict=True))
    deleted = values.pop("deleted", "").strip().lower()
    record = {
        "type": record_type,
        "id": values.pop("id").strip(),
        "updated_at": values.pop("updated_at").strip(),
        "data": {field: value for field, value in values.items() if value.strip() != ""},
    }
    if deleted in ("1", "true", "s", "si", "y", "yes"):
        record["deleted"] = True
    return record
