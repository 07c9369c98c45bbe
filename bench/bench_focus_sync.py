#!/usr/bin/env python3
"""Benchmark of optical_focus_sync: a synthetic FOCUS export of 50,000
customers and 150,000 other records sent in batches of 1,000 through
POST /optical_focus_sync/v1/batch, as FOCUS does; then a full replay, which
must change nothing. Prints records per second for both, each beside its
floor measured in the same run:

- bare HTTP: the same bodies POSTed to a local server that only reads and
  parses them and answers one status per record (keep-alive, like FOCUS);
- bare SQL: for the first load, the rows it wrote (customers, events, FOCUS
  records) copied again by one ``INSERT ... SELECT`` per table into tables of
  the same shape (indexes, foreign keys); for the replay, the one indexed
  lookup per batch that the replay is made of.

Runs on its own scratch database (``--database``, default focus_bench),
created and dropped here, with an Odoo server on ``--port``. Not run by CI.

Where the time goes (cProfile of one batch of 1,000), with figures: bench/README.md.

Then (``--side-by-side``, default 2) as many other shops send their own first
load at the same time, each from a thread of its own, to the same server
(prefork, one HTTP worker per shop): all their records per second of wall
time, beside the one shop's.

    python3 bench/bench_focus_sync.py [--customers 50000] [--others 150000] [--side-by-side 2]
                                      [--database focus_bench] [--port 18182]
"""
import argparse
import datetime
import json
import os
import random
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests
from stdnum.it import codicefiscale

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ODOO = os.path.join(ROOT, "scripts", "odoo")
DB = os.environ.get("OPTICAL_BENCH_DB", "focus_bench")
PORT = 18182
URL = "http://127.0.0.1:%d/optical_focus_sync/v1/batch"
BATCH = 1000
STORE = "BENCH"
PG = ["-h", os.environ.get("PGHOST", "127.0.0.1"), "-p", os.environ.get("PGPORT", "5432"), "-U", "odoo"]

LAST_NAMES = ["ROSSI", "RUSSO", "FERRARI", "ESPOSITO", "BIANCHI", "ROMANO", "COLOMBO", "RICCI", "MARINO", "GRECO"]
FIRST_NAMES = ["MARIO", "LUCIA", "GIUSEPPE", "ANNA", "FRANCESCO", "GIULIA", "LUCA", "SARA", "MARCO", "CHIARA"]
PROVINCES = ["MI", "RM", "TO", "NA", "BO", "FI", "VE", "GE", "BA", "PA"]
LENSES = ["monofocale", "progressiva", "bifocale", "office"]
LETTERS = "BCDFGHLMNPRSTVZ"
MONTHS = "ABCDEHLMPRST"


def fiscal_code(index, birthdate, female):
    """A valid, unique fiscal code for customer ``index``."""
    letters = ""
    number = index
    for _position in range(6):
        letters += LETTERS[number % len(LETTERS)]
        number //= len(LETTERS)
    day = birthdate.day + (40 if female else 0)
    body = "%s%02d%s%02dA%03d" % (letters, birthdate.year % 100, MONTHS[birthdate.month - 1], day, index % 1000)
    return body + codicefiscale.calc_check_digit(body)


def export(customers, others, seed=42):
    """The synthetic FOCUS export: customers, then the other records."""
    rng = random.Random(seed)
    updated = "2026-01-15T08:00:00"
    base = datetime.date(2025, 1, 1)
    clients = []
    for index in range(customers):
        birthdate = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 65))
        female = index % 2 == 1
        clients.append({"type": "cliente", "id": "C%06d" % index, "updated_at": updated, "data": {
            "cognome": LAST_NAMES[index % 10], "nome": FIRST_NAMES[(index // 10) % 10],
            "data_nascita": birthdate.isoformat(), "sesso": "F" if female else "M",
            "cellulare": "34%08d" % index, "email": "cliente%06d@example.com" % index,
            "indirizzo": "Via Roma %d" % (index % 200 + 1), "cap": "%05d" % (20100 + index % 80),
            "citta": "Milano", "provincia": PROVINCES[index % 10],
            "codice_fiscale": fiscal_code(index, birthdate, female),
            "consenso_marketing": "S" if index % 4 else "N", "consenso_sms": "S" if index % 3 else "N",
            "consenso_app": "N", "data_creazione": (base - datetime.timedelta(days=index % 3000)).isoformat(),
        }})
    rest = []
    for index in range(others):
        customer = "C%06d" % rng.randrange(customers)
        day = base + datetime.timedelta(days=rng.randrange(400))
        kind = index % 10
        if kind < 4:
            rest.append({"type": "occhiale", "id": "O%06d" % index, "updated_at": updated, "data": {
                "cliente": customer, "data_inserimento": day.isoformat(),
                "data_consegna": (day + datetime.timedelta(days=7)).isoformat(),
                "tipo_lente": LENSES[index % 4], "montatura": "Montatura %d" % (index % 50), "importo": "%d,00"
                % (100 + index % 900)}})
        elif kind < 7:
            rest.append({"type": "fornitura_lac", "id": "L%06d" % index, "updated_at": updated, "data": {
                "cliente": customer, "data_inserimento": day.isoformat(),
                "data_consegna": (day + datetime.timedelta(days=3)).isoformat(),
                "data_prossima_fornitura": (day + datetime.timedelta(days=93)).isoformat(),
                "prodotto": "Lenti mensili", "tipo_ricambio": "mensile", "quantita": 6}})
        elif kind < 9:
            rest.append({"type": "optometria", "id": "E%06d" % index, "updated_at": updated, "data": {
                "cliente": customer, "data": day.isoformat(), "note": "Controllo visivo"}})
        else:
            rest.append({"type": "vendita", "id": "V%06d" % index, "updated_at": updated, "data": {
                "cliente": customer, "data_consegna": day.isoformat(), "importo": 29.9,
                "descrizione": "Soluzione unica"}})
    return clients + rest


def run(command, **kwargs):
    return subprocess.run(command, check=True, cwd=ROOT, **kwargs)


def setup_database(reuse=False, shops=1):
    """Install (or upgrade, with ``reuse``) and return the token of each
    shop's FOCUS store: STORE in the main company, then one shop (company)
    each for the shops that load side by side."""
    codes = [STORE] + ["%s%d" % (STORE, number) for number in range(2, shops + 1)]
    if reuse:
        # The database a --keep run left: its code upgraded, a new token.
        run([ODOO, "-d", DB, "-u", "optical_crm,optical_focus_sync", "--stop-after-init", "--log-level=warn",
             "--http-port=%d" % PORT], stdout=subprocess.DEVNULL)
        script = ("for code in %r:\n"
                  "    store = env['optical.focus.store'].search([('code', '=', code)])\n"
                  "    print('TOKEN=' + store.generate_token())\n"
                  "env.cr.commit()\n" % codes[:1])
    else:
        run(["dropdb", *PG, "--if-exists", DB])
        print("Installing optical_focus_sync on %s..." % DB, flush=True)
        run([ODOO, "-d", DB, "-i", "optical_focus_sync", "--without-demo=all", "--stop-after-init",
             "--log-level=warn", "--http-port=%d" % PORT], stdout=subprocess.DEVNULL)
        script = (
            "for index, code in enumerate(%r):\n"
            "    company = env.ref('base.main_company') if not index else env['res.company'].create(\n"
            "        {'name': 'Bench shop %%s' %% code, 'country_id': env.ref('base.it').id})\n"
            "    store = env['optical.focus.store'].create({'name': 'Bench shop %%s' %% code, 'code': code, "
            "'company_id': company.id})\n"
            "    print('TOKEN=' + store.generate_token())\n"
            "env.cr.commit()\n" % codes
        )
    output = run([ODOO, "shell", "-d", DB, "--log-level=warn", "--http-port=%d" % PORT], input=script,
                 capture_output=True, text=True).stdout
    return dict(zip(codes, (line[6:] for line in output.splitlines() if line.startswith("TOKEN=")), strict=True))


def start_server(workers):
    # Prefork HTTP workers, as in production: batches of different shops run side by side.
    server = subprocess.Popen(
        [ODOO, "-d", DB, "--http-port=%d" % PORT, "--db-filter=^%s$" % DB, "--workers=%d" % workers,
         "--max-cron-threads=0", "--limit-time-real=3600", "--limit-time-cpu=3600",
         "--limit-memory-soft=%d" % (4 << 30), "--limit-memory-hard=%d" % (6 << 30), "--log-level=warn"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _attempt in range(120):
        try:
            requests.get("http://127.0.0.1:%d/web/health" % PORT, timeout=10).raise_for_status()
            # /web/health answers before the database's registry is loaded and the
            # routes mapped: a page of the database waits for both (in each worker
            # a request reaches), so that the first batch does not pay for the start.
            for _request in range(2 * max(workers, 1)):
                requests.get("http://127.0.0.1:%d/web/login" % PORT, timeout=300).raise_for_status()
            return server
        except requests.RequestException:
            time.sleep(1)
    server.terminate()
    server.wait(timeout=60)
    raise SystemExit("The bench server did not start on port %d" % PORT)


def send_all(session, records, label, store=STORE, quiet=False):
    counts = {}
    started = time.monotonic()
    slowest = 0.0
    for start in range(0, len(records), BATCH):
        batch_started = time.monotonic()
        response = session.post(URL % PORT, json={"store": store, "records": records[start:start + BATCH]},
                                timeout=900)
        response.raise_for_status()
        slowest = max(slowest, time.monotonic() - batch_started)
        answer = response.json()
        for result in answer["results"] + answer["released"]:
            counts[result["status"]] = counts.get(result["status"], 0) + 1
    elapsed = time.monotonic() - started
    if not quiet:
        print("%-28s %7d records in %7.1f s = %6.0f records/s (slowest batch of %d: %.2f s) statuses: %s"
              % (label, len(records), elapsed, len(records) / elapsed, BATCH, slowest, counts), flush=True)
    return counts, elapsed


def load_side_by_side(tokens, customers, others):
    """Each shop of ``tokens`` ({store code: token}) sends its own first load
    (customers, then the other records) at the same time, from a thread of
    its own. Returns the seconds until the last shop is done."""
    errors = []

    def load(code, token):
        try:
            session = requests.Session()
            session.headers["Authorization"] = "Bearer %s" % token
            records = export(customers, others, seed=len(code))
            for part, label in ((records[:customers], "customers"), (records[customers:], "other records")):
                send_all(session, part, "%s: %s" % (code, label), store=code)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=load, args=item) for item in tokens.items()]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]
    return time.monotonic() - started


class BareHandler(BaseHTTPRequestHandler):
    """The bare-HTTP floor: read and parse the batch, answer one status per record."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802 - http.server's name
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        answer = json.dumps({"results": [{"type": record["type"], "id": record["id"], "status": "unchanged"}
                                         for record in payload["records"]], "released": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *_args):
        pass


def http_floor(records):
    """Seconds to POST every batch of ``records`` to the bare HTTP server."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BareHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        session = requests.Session()
        url = "http://127.0.0.1:%d/" % server.server_address[1]
        started = time.monotonic()
        for start in range(0, len(records), BATCH):
            session.post(url, json={"store": STORE, "records": records[start:start + BATCH]},
                         timeout=60).raise_for_status()
        return time.monotonic() - started
    finally:
        server.shutdown()
        server.server_close()


def psql(sql):
    return run(["psql", *PG, "-d", DB, "-v", "ON_ERROR_STOP=1", "-qtAc", sql], capture_output=True,
               text=True).stdout.strip()


def sql_floor_load():
    """Seconds to write again, one INSERT ... SELECT per table, the rows the
    first load wrote, into tables of the same shape (indexes, foreign keys)."""
    store = "(SELECT id FROM optical_focus_store WHERE code = '%s')" % STORE
    company = "(SELECT company_id FROM optical_focus_store WHERE code = '%s')" % STORE
    tables = {
        "res_partner": "optical_fiscal_code IS NOT NULL AND company_id = %s" % company,
        "optical_crm_event": "source = 'focus' AND company_id = %s" % company,
        "optical_focus_record": "store_id = %s" % store,
    }
    setup, copy, drop = [], [], []
    for table, condition in tables.items():
        bare = "bench_bare_%s" % table
        setup.append("CREATE TABLE %s (LIKE %s INCLUDING ALL)" % (bare, table))
        for name, definition in [line.split("|", 1) for line in psql(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = '%s'::regclass AND contype = 'f'" % table).splitlines() if line]:
            setup.append('ALTER TABLE %s ADD CONSTRAINT "bare_%s" %s' % (bare, name, definition))
        copy.append("INSERT INTO %s SELECT * FROM %s WHERE %s" % (bare, table, condition))
        drop.append("DROP TABLE %s" % bare)
    psql("; ".join(setup))
    started = time.monotonic()
    psql("; ".join(copy))
    elapsed = time.monotonic() - started
    psql("; ".join(drop))
    return elapsed


def sql_floor_lookup(records):
    """Seconds for the replay's one indexed lookup per batch, in one session."""
    statements = []
    for start in range(0, len(records), BATCH):
        batch = records[start:start + BATCH]
        types = ",".join("'%s'" % record["type"] for record in batch)
        ids = ",".join("'%s'" % record["id"] for record in batch)
        statements.append(
            "SELECT r.* FROM unnest(ARRAY[%s]::varchar[], ARRAY[%s]::varchar[]) AS k(record_type, focus_id) "
            "CROSS JOIN LATERAL (SELECT id, state, fingerprint FROM optical_focus_record WHERE store_id = "
            "(SELECT id FROM optical_focus_store WHERE code = '%s') AND record_type = k.record_type "
            "AND focus_id = k.focus_id OFFSET 0) r;" % (types, ids, STORE))
    started = time.monotonic()
    run(["psql", *PG, "-d", DB, "-qtA", "-o", "/dev/null"], input="\n".join(statements), text=True)
    return time.monotonic() - started


def load_average():
    return " ".join("%.2f" % value for value in os.getloadavg())


def table_counts():
    query = ("SELECT (SELECT count(*) FROM res_partner WHERE optical_fiscal_code IS NOT NULL), "
             "(SELECT count(*) FROM optical_crm_event WHERE source = 'focus'), "
             "(SELECT count(*) FROM optical_focus_record), "
             "(SELECT max(write_date) FROM optical_crm_event), (SELECT max(write_date) FROM res_partner)")
    return run(["psql", *PG, "-d", DB, "-tAc", query], capture_output=True, text=True).stdout.strip()


def main():
    global DB, PORT  # noqa: PLW0603 - the command line decides them once
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--customers", type=int, default=50000)
    parser.add_argument("--others", type=int, default=150000)
    parser.add_argument("--database", default=DB, help="scratch database (dropped and created)")
    parser.add_argument("--port", type=int, default=PORT, help="HTTP port of the bench's Odoo server")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true",
                        help="replay only, on the database a --keep run left (same --customers/--others)")
    parser.add_argument("--workers", type=int, default=0,
                        help="the server's HTTP workers for the one shop (0: threaded, as before)")
    parser.add_argument("--side-by-side", type=int, default=2, metavar="SHOPS",
                        help="after the one shop, this many other shops load their first load at once (0: none)")
    args = parser.parse_args()
    DB, PORT = args.database, args.port
    records = export(args.customers, args.others)
    shops = 1 if args.reuse else 1 + args.side_by_side
    tokens = setup_database(args.reuse, shops)
    token = tokens[STORE]
    server = start_server(args.workers)
    try:
        session = requests.Session()
        session.headers["Authorization"] = "Bearer %s" % token
        print("FOCUS export: %d customers + %d other records, batches of %d; load average %s"
              % (args.customers, args.others, BATCH, load_average()))
        clients, rest = records[:args.customers], records[args.customers:]
        elapsed = None
        if not args.reuse:
            started = time.monotonic()
            send_all(session, clients, "first load: customers")
            send_all(session, rest, "first load: other records")
            elapsed = time.monotonic() - started
            print("%-28s %7d records in %7.1f s = %6.0f records/s" % ("first load: total", len(records), elapsed,
                                                                      len(records) / elapsed))
        before = table_counts()
        print("partners | FOCUS events | FOCUS records | last event write | last partner write:", before)
        counts, replay = send_all(session, records, "full replay")
        after = table_counts()
        print("after replay:", after)
        unchanged = counts == {"unchanged": len(records)} and before == after
        print("replay changed nothing: %s" % ("yes" if unchanged else "NO"))
        together = None
        if shops > 1:
            # A server restarted with prefork HTTP workers (one per shop, at least 2), as in production.
            server.terminate()
            server.wait(timeout=60)
            server = start_server(max(2, shops - 1))
            print("%d shops loading at once (one thread each, %d prefork HTTP workers):"
                  % (shops - 1, max(2, shops - 1)), flush=True)
            together = load_side_by_side({code: tokens[code] for code in list(tokens)[1:]}, args.customers,
                                         args.others)
            print("%-28s %7d records in %7.1f s = %6.0f records/s (%.2f x one shop)" % (
                "first load: %d shops" % (shops - 1), (shops - 1) * len(records), together,
                (shops - 1) * len(records) / together, (shops - 1) * elapsed / together), flush=True)
        bare_http = http_floor(records)
        bare_load = sql_floor_load()
        bare_lookup = sql_floor_lookup(records)
        print()
        print("%-12s %12s %14s %14s %14s" % ("", "Odoo rec/s", "bare HTTP", "bare SQL", "HTTP + SQL"))
        for label, seconds, sql in (("first load", elapsed, bare_load), ("replay", replay, bare_lookup)):
            if seconds is None:
                continue
            print("%-12s %12.0f %14.0f %14.0f %14.0f" % (label, len(records) / seconds, len(records) / bare_http,
                                                          len(records) / sql, len(records) / (bare_http + sql)))
        if together:
            # The floor is one shop's: one client, one bare server, one SQL session.
            print("%-12s %12.0f %14s %14s %14s   (all shops' records per second of wall time)"
                  % ("%d shops" % (shops - 1), (shops - 1) * len(records) / together, "", "", ""))
        print("load average %s" % load_average())
        return 0 if unchanged else 1
    finally:
        server.terminate()
        server.wait(timeout=60)
        if not args.keep:
            run(["dropdb", *PG, "--if-exists", DB])


if __name__ == "__main__":
    sys.exit(main())
