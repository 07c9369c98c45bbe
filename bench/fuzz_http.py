#!/usr/bin/env python3
"""Fuzzer for the three HTTP APIs: no input gets a 500, no valid record is lost.

Against a real Odoo server process on loopback, it sends generated malformed
inputs — wrong types, encodings (NUL, lone surrogates, invalid UTF-8),
sizes, nesting, dates (0001-01-01 with an offset, 9999, 31 February), numbers
(NaN, Infinity, 2**63, 1e309, decimal commas) — mixed with valid records, to:

- the FOCUS sync (``/optical_focus_sync/v1/batch`` and ``/notes``): batches
  mixing valid customers and events with broken records, and broken bodies;
- the SMS gateway callbacks (``/optical_crm_sms/v1/status`` and
  ``/inbound``): report lists mixing valid reports of queued SMS with broken
  items, and broken bodies;
- the app's API (``/optical_app/v1/…``): pairing, device updates (valid push
  tokens interleaved), messages, ids beyond 2³¹, query strings.

It checks: no response 500 (or above); every valid FOCUS record of a batch
answered 200 is applied, every valid delivery report applied, the last valid
push token kept; every error (a non-2xx answer, a record or report in error)
names its field. It prints the counts and exits 0 when all hold.

    python3 bench/fuzz_http.py [--inputs 10000] [--budget 600] [--db fuzz_bench] [--port 8072]
                               [--seed 1] [--keep] [--reuse]
"""
import argparse
import collections
import contextlib
import json
import pathlib
import random
import re
import secrets
import sys
import time

import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from reliability_sms import ROOT, database_exists, install, psql, start_server  # noqa: E402

GATEWAY_KEY = "fuzz-gateway-key"
APP_KEY = "fuzz-app-key-%s" % secrets.token_urlsafe(24)
FIELD_PREFIX = re.compile(r"^[A-Za-z_][\w.\-]*\s*:")

DEEP = 5000
NASTY_VALUES = [
    None, True, False, 0, -1, 2 ** 31, 2 ** 63, -(2 ** 63), 10 ** 40, 1.5, -0.0, 1e308,
    "", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "ＳＴＯＰ", "😀" * 10, "\u202eevil", "x" * 5000,
    "<script>alert(1)</script>", "'; DROP TABLE res_partner; --", "%s%s%n", "${jndi:ldap://x}",
    [], {}, [1, "a", None], {"a": {"b": {"c": []}}}, ["\x00"], {"\x00": 1}, {"k": "\ud83d"},
    "0001-01-01T00:00:00+01:00", "0001-01-01", "9999-12-31T23:59:59Z", "2026-02-30", "31/02/1980",
    "1980-13-01", "2026-01-01T25:00:00", "12,50", "1.234,56", "€ 99", "1e309", "-Infinity", "NaN",
]
# Literals JSON cannot hold but a careless writer emits: spliced into the text.
RAW_VALUES = ["NaN", "Infinity", "-Infinity", "1e999", "9" * 5000, "[" * DEEP + "]" * DEEP,
              '{"a":' * 300 + "1" + "}" * 300]


class Fuzzer:
    def __init__(self, base, rng, store_code, store_token):
        self.base = base
        self.store_code = store_code
        self.rng = rng
        self.store_token = store_token
        self.session = requests.Session()
        self.counts = collections.Counter()
        self.server_errors = []
        self.unnamed = []
        self.valid_focus = {}      # focus id -> expected to be applied
        self.valid_reports = set()  # references reported delivered with a 2xx item
        self.expected_push_token = None
        self.serial = 0

    # ------------------------------------------------------------------
    # Plumbing
    # ------------------------------------------------------------------

    def nasty(self):
        return self.rng.choice(NASTY_VALUES)

    def encode(self, payload, splice=None):
        """JSON text of ``payload``; ``splice`` replaces the marker with a raw literal."""
        text = json.dumps(payload, allow_nan=True)
        if splice is not None:
            text = text.replace('"__RAW__"', splice, 1)
        return text.encode("utf-8", "surrogatepass")

    def broken_body(self, payload):
        """A body that is not the JSON it should be."""
        kind = self.rng.randrange(8)
        text = self.encode(payload)
        if kind == 0:
            return text[: self.rng.randrange(max(len(text), 1))]
        if kind == 1:
            return b"\xff\xfe" + text
        if kind == 2:
            return text.replace(b"{", b"{\x00", 1)
        if kind == 3:
            return b"[" * 100000 + b"]" * 100000
        if kind == 4:
            return b""
        if kind == 5:
            return b"null"
        if kind == 6:
            return self.encode(self.nasty())
        return ("\ud800" + text.decode()).encode("utf-8", "surrogatepass")

    def send(self, api, method, path, body=None, headers=None, params=None):
        self.counts[api] += 1
        try:
            response = self.session.request(method, self.base + path, data=body, headers=headers or {},
                                            params=params, timeout=60)
        except requests.RequestException as error:
            self.server_errors.append((api, path, "no answer: %s" % error))
            return None
        if response.status_code >= 500:
            self.server_errors.append((api, path, response.status_code, (body or b"")[:200]))
        elif response.status_code >= 400:
            self.check_named(api, path, response)
        return response

    def check_named(self, api, path, response):
        """A non-2xx answer names its field: a ``field`` key, or a message starting with it."""
        try:
            payload = response.json()
        except ValueError:
            self.unnamed.append((api, path, response.status_code, response.text[:120]))
            return
        if isinstance(payload, dict) and (payload.get("field") or any(
                isinstance(payload.get(key), str) and FIELD_PREFIX.match(payload[key])
                for key in ("message", "error"))):
            return
        self.unnamed.append((api, path, response.status_code, str(payload)[:120]))

    # ------------------------------------------------------------------
    # FOCUS
    # ------------------------------------------------------------------

    def focus_headers(self):
        return {"Content-Type": "application/json", "Authorization": "Bearer %s" % self.store_token}

    def valid_cliente(self):
        self.serial += 1
        focus_id = "V%06d" % self.serial
        return {"type": "cliente", "id": focus_id, "updated_at": "2026-01-10T09:00:00+01:00", "data": {
            "cognome": "Valido%s" % self.serial, "nome": "Mario", "cellulare": "+39 347 %07d" % self.serial,
            "data_nascita": "1980-05-17", "consenso_sms": "S", "data_creazione": "2025-03-01",
        }}

    def broken_record(self, base):
        record = json.loads(json.dumps(base))
        record["id"] = "B%06d" % self.rng.randrange(10 ** 6)
        target = self.rng.randrange(4)
        if target == 0:
            record[self.rng.choice(["type", "id", "updated_at", "data", "deleted"])] = self.nasty()
        elif target == 1:
            record["data"][self.rng.choice(list(record["data"]) + ["codice_fiscale", "provincia", "email",
                                                                   "importo", "quantita"])] = self.nasty()
        elif target == 2:
            record["data"]["note"] = "__RAW__"
        else:
            record = self.nasty()
        return record

    def fuzz_focus(self):
        if self.rng.random() < 0.1:
            since = self.rng.choice(["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "yesterday",
                                     "2026-01-01T00:00:00%00", "", "2026-13-01", "\ud800", "1" * 5000,
                                     "2026-01-01T00:00:00Z"])
            self.send("focus", "GET", "/optical_focus_sync/v1/notes", headers=self.focus_headers(),
                      params={"since": since.encode("utf-8", "surrogatepass")})
            return
        valid = [self.valid_cliente() for _n in range(self.rng.randrange(1, 6))]
        broken = [self.broken_record(valid[0]) for _n in range(self.rng.randrange(1, 6))]
        records = valid + broken
        self.rng.shuffle(records)
        payload = {"store": self.store_code, "records": records}
        if self.rng.random() < 0.15:
            self.send("focus", "POST", "/optical_focus_sync/v1/batch", self.broken_body(payload),
                      self.focus_headers())
            return
        body = self.encode(payload, splice=self.rng.choice(RAW_VALUES))
        response = self.send("focus", "POST", "/optical_focus_sync/v1/batch", body, self.focus_headers())
        if response is None or response.status_code != 200:
            if response is not None and response.status_code not in (400, 413):
                self.server_errors.append(("focus", "batch", response.status_code, "valid records refused"))
            return
        results = response.json()["results"]
        for record, result in zip(records, results, strict=True):
            if record in valid:
                if result.get("status") not in ("created", "updated", "unchanged"):
                    self.server_errors.append(("focus", "valid record not applied", record["id"], result))
                self.valid_focus[record["id"]] = True
            elif result.get("status") == "error" and not (result.get("field") and result.get("reason")):
                self.unnamed.append(("focus", "record", result))

    # ------------------------------------------------------------------
    # SMS gateway callbacks
    # ------------------------------------------------------------------

    def sms_headers(self):
        return {"Content-Type": "application/json", "Authorization": "Bearer %s" % GATEWAY_KEY}

    def fuzz_sms(self, references):
        if self.rng.random() < 0.5:
            items = []
            for _n in range(self.rng.randrange(1, 5)):
                item = {"reference": self.rng.choice(references), "status": "delivered"}
                item[self.rng.choice(["reference", "status", "extra"])] = self.nasty()
                items.append(item)
            good = [reference for reference in self.rng.sample(references, self.rng.randrange(0, 3))]
            items += [{"reference": reference, "status": "delivered"} for reference in good]
            self.rng.shuffle(items)
            payload = items if len(items) > 1 else items[0]
            path = "/optical_crm_sms/v1/status"
        else:
            good = []
            payload = {"from": self.rng.choice(["+393471234567", self.nasty()]),
                       "text": self.rng.choice(["Grazie!", "STOP", self.nasty()])}
            path = "/optical_crm_sms/v1/inbound"
        if self.rng.random() < 0.15:
            self.send("sms", "POST", path, self.broken_body(payload), self.sms_headers())
            return
        response = self.send("sms", "POST", path, self.encode(payload), self.sms_headers())
        if response is None or response.status_code >= 500:
            return
        answer = response.json()
        results = answer.get("results", [answer]) if isinstance(answer, dict) else []
        items = payload if isinstance(payload, list) else [payload]
        for item, result in zip(items, results, strict=True):
            if isinstance(result, dict) and result.get("error"):
                if not (result.get("field") or FIELD_PREFIX.match(str(result.get("error")))
                        or FIELD_PREFIX.match(str(result.get("message", "")))):
                    self.unnamed.append(("sms", "item", result))
            elif item.get("reference") in good:
                self.valid_reports.add(item["reference"])

    # ------------------------------------------------------------------
    # App API
    # ------------------------------------------------------------------

    def app_headers(self):
        return {"Content-Type": "application/json", "Authorization": "Bearer %s" % APP_KEY}

    def fuzz_app(self, own_device_id):
        choice = self.rng.randrange(7)
        if choice == 0:
            payload = {"pairing_code": self.nasty(), "device_name": self.nasty(), "push_token": self.nasty()}
            body = self.broken_body(payload) if self.rng.random() < 0.3 else self.encode(payload)
            self.send("app", "POST", "/optical_app/v1/pair", body, {"Content-Type": "application/json"})
        elif choice in (1, 2):
            if self.rng.random() < 0.4:
                token = "push-%s" % self.rng.randrange(10 ** 9)
                response = self.send("app", "POST", "/optical_app/v1/device", self.encode({"push_token": token}),
                                     self.app_headers())
                if response is not None and response.status_code == 200:
                    self.expected_push_token = token
                elif response is not None:
                    self.server_errors.append(("app", "valid push token refused", response.status_code))
                return
            payload = {"push_token": self.nasty(), "device_name": self.nasty()}
            body = self.broken_body(payload) if self.rng.random() < 0.3 else self.encode(payload)
            response = self.send("app", "POST", "/optical_app/v1/device", body, self.app_headers())
            if response is not None and response.status_code == 200 and "push_token" in payload:
                value = payload["push_token"]
                self.expected_push_token = value.strip() if isinstance(value, str) and value.strip() else None
        elif choice == 3:
            message_id = self.rng.choice([0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 63, 10 ** 30])
            self.send("app", "POST", "/optical_app/v1/messages/%s/read" % message_id, b"", self.app_headers())
        elif choice == 4:
            device_id = self.rng.choice([2 ** 31, 2 ** 63, 10 ** 30, own_device_id + 10 ** 6])
            self.send("app", "POST", "/optical_app/v1/devices/%s/revoke" % device_id, b"", self.app_headers())
        elif choice == 5:
            params = {self.rng.choice(["limit", "offset"]): str(self.nasty())[:200].encode("utf-8", "surrogatepass")}
            self.send("app", "GET", "/optical_app/v1/messages", headers=self.app_headers(), params=params)
            campaign_id = self.rng.choice([1, 2 ** 31, 10 ** 30])
            self.send("app", "GET", "/optical_app/v1/promotions/%s/cover" % campaign_id, headers=self.app_headers())
        else:
            payload = {"text": self.nasty()}
            body = self.broken_body(payload) if self.rng.random() < 0.3 else self.encode(payload)
            self.send("app", "POST", "/optical_app/v1/messages", body, self.app_headers())


def races(base, env_factory, store_codes, tokens, device_id):
    """The races an attack found, on the real server: parallel wrong pairing
    codes against the limit, parallel push-token updates of one device, two
    stores of one company sending the same customers at once. Returns
    ``{race: (expected, got)}``."""
    from concurrent.futures import ThreadPoolExecutor

    from stdnum.it import codicefiscale

    outcome = {}
    with ThreadPoolExecutor(max_workers=30) as pool:
        # 60 wrong codes at once from one address, limit 10.
        statuses = list(pool.map(lambda n: requests.post(
            base + "/optical_app/v1/pair", json={"pairing_code": "ABCD-%04d" % n}, timeout=60).status_code,
            range(60)))
        outcome["wrong pairing codes checked (limit 10) of 60 parallel"] = (
            "<= 10", sum(1 for status in statuses if status == 401), all(s in (401, 429) for s in statuses))
        # 30 push-token updates of one device at once.
        sent = ["race-token-%s" % n for n in range(30)]
        answers = list(pool.map(lambda token: requests.post(
            base + "/optical_app/v1/device", json={"push_token": token}, timeout=60,
            headers={"Authorization": "Bearer %s" % APP_KEY}).status_code, sent))
        with env_factory() as env:
            env.cr.execute("SELECT push_token FROM optical_app_device WHERE id = %s", [device_id])
            kept = env.cr.fetchone()[0]
        outcome["parallel push-token updates answered 200 of 30"] = (
            30, sum(1 for status in answers if status == 200), kept in sent)
        # Two stores of one company send the same 10 customers at once, 3 rounds.
        codes = []
        for n in range(10):
            code = "RSSMRA85T10A%03d" % (n + 1)
            codes.append(code + codicefiscale.calc_check_digit(code))
        refused = 0
        for round_ in range(3):
            def batch(index, round_=round_):
                records = [{"type": "cliente", "id": "R%s" % n, "updated_at": "2026-01-1%sT09:00:00Z" % round_,
                            "data": {"cognome": "Doppio%s" % n, "nome": "Mario", "codice_fiscale": code}}
                           for n, code in enumerate(codes)]
                response = requests.post(base + "/optical_focus_sync/v1/batch", timeout=120, json={
                    "store": store_codes[index], "records": records},
                    headers={"Authorization": "Bearer %s" % tokens[index]})
                return response.status_code, [r.get("status") for r in response.json().get("results", [])]
            for status, results in pool.map(batch, range(2)):
                refused += (status != 200) + sum(1 for result in results if result == "error")
        with env_factory() as env:
            env.cr.execute("SELECT count(*) FROM res_partner WHERE active AND optical_fiscal_code = ANY(%s)",
                           [codes])
            partners = env.cr.fetchone()[0]
        outcome["customers from two stores at once (10 customers, 3 rounds)"] = (10, partners, not refused)
    return outcome


def populate(env):
    params = env["ir.config_parameter"]
    params.set_param("optical_crm_sms.provider", "http")
    params.set_param("optical_crm_sms.gateway_api_key", GATEWAY_KEY)
    params.set_param("optical_crm_sms.gateway_url", "http://127.0.0.1:9/unused")
    shop = env["res.company"].create({"name": "Ottica Fuzz %s" % time.strftime("%H%M%S"),
                                      "country_id": env.ref("base.it").id})
    store = env["optical.focus.store"].create({"name": "FOCUS Fuzz", "code": "FZ%s" % time.strftime("%H%M%S"),
                                               "company_id": shop.id})
    token = store.generate_token()
    # A second FOCUS installation of the same shop (two tills), for the races.
    second = env["optical.focus.store"].create({"name": "FOCUS Fuzz 2", "code": "FY%s" % time.strftime("%H%M%S"),
                                                "company_id": shop.id})
    second_token = second.generate_token()
    customer = env["res.partner"].create({"name": "Anna App", "company_id": shop.id, "mobile": "+393471234567",
                                          "optical_consent_app": True, "optical_consent_sms": True})
    device = env["optical.app.device"].create({
        "name": "Fuzz phone", "partner_id": customer.id, "company_id": shop.id, "api_key_hash": "x"})
    device._set_api_key(APP_KEY)
    sms = env["sms.sms"].create([{"number": "+39347%07d" % n, "body": "Fuzz %s" % n, "state": "pending"}
                                 for n in range(50)])
    env.cr.commit()
    return store, token, (second.code, second_token), device, sms.mapped("uuid")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=10000)
    parser.add_argument("--budget", type=float, default=600, help="seconds: no new input after")
    parser.add_argument("--db", default="fuzz_bench")
    parser.add_argument("--port", type=int, default=8072)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    args = parser.parse_args()

    if not (args.reuse and database_exists(args.db)):
        install(args.db, args.port, "optical_crm_sms,optical_crm_app,optical_focus_sync")
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", str(ROOT / "odoo.conf"), "--addons-path=%s" % (ROOT / "addons"),
                                    "-d", args.db, "--log-level=warn"])
    registry = Registry(args.db)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        store, token, second_store, device, references = populate(env)
        store_id, store_code, device_id = store.id, store.code, device.id
    server = start_server(args.db, args.port)

    @contextlib.contextmanager
    def env_factory():
        with registry.cursor() as cr:
            yield api.Environment(cr, odoo.SUPERUSER_ID, {})

    race_results = races("http://127.0.0.1:%s" % args.port, env_factory, [store_code, second_store[0]],
                         [token, second_store[1]], device_id)
    with env_factory() as env:
        # The races leave 127.0.0.1 blocked for pairing: the fuzzing starts afresh.
        env.cr.execute("DELETE FROM optical_app_pairing_attempt")
    fuzzer = Fuzzer("http://127.0.0.1:%s" % args.port, random.Random(args.seed), store_code, token)
    started = time.time()
    done = 0
    try:
        while done < args.inputs and time.time() - started < args.budget:
            kind = fuzzer.rng.randrange(3)
            if kind == 0:
                fuzzer.fuzz_focus()
            elif kind == 1:
                fuzzer.fuzz_sms(references)
            else:
                fuzzer.fuzz_app(device_id)
            done = sum(fuzzer.counts.values())
        elapsed = time.time() - started
        with registry.cursor() as cr:
            cr.execute("SELECT focus_id FROM optical_focus_record WHERE store_id = %s AND state = 'applied' "
                       "AND partner_id IS NOT NULL AND focus_id = ANY(%s)", [store_id, list(fuzzer.valid_focus)])
            applied = {row[0] for row in cr.fetchall()}
            cr.execute("SELECT uuid FROM sms_sms WHERE state = 'sent' AND uuid = ANY(%s)",
                       [list(fuzzer.valid_reports)])
            reported = {row[0] for row in cr.fetchall()}
            cr.execute("SELECT push_token FROM optical_app_device WHERE id = %s", [device_id])
            push_token = cr.fetchone()[0] or None
    finally:
        server.terminate()
        try:
            server.wait(20)
        except Exception:  # noqa: BLE001
            server.kill()
        odoo.sql_db.close_all()
        if not args.keep:
            psql("DROP DATABASE IF EXISTS %s" % args.db)

    lost_focus = len(fuzzer.valid_focus) - len(applied)
    lost_reports = len(fuzzer.valid_reports) - len(reported)
    lost_token = int(push_token != fuzzer.expected_push_token)
    print("inputs sent:                 %d in %.0f s (%s)" % (done, elapsed, dict(fuzzer.counts)))
    print("responses 500 or worse:      %d" % len(fuzzer.server_errors))
    kinds = collections.Counter(re.sub(r"\d+", "N", str(sample[:3])) for sample in fuzzer.server_errors)
    for kind, count in kinds.most_common(10):
        print("    %5d  %s" % (count, kind))
    print("valid FOCUS records:         %d sent, %d lost" % (len(fuzzer.valid_focus), lost_focus))
    print("valid delivery reports:      %d sent, %d lost" % (len(fuzzer.valid_reports), lost_reports))
    print("last valid push token kept:  %s" % ("yes" if not lost_token else "NO (%r != %r)" % (
        push_token, fuzzer.expected_push_token)))
    print("errors not naming a field:   %d" % len(fuzzer.unnamed))
    for sample in fuzzer.unnamed[:10]:
        print("   ", sample)
    races_ok = True
    for race, (expected, got, clean) in race_results.items():
        good = (got <= 10 if expected == "<= 10" else got == expected) and clean
        races_ok = races_ok and good
        print("race: %-62s expected %s, got %s%s" % (race, expected, got, "" if clean else " (with errors)"))
    ok = races_ok and not (fuzzer.server_errors or lost_focus or lost_reports or lost_token or fuzzer.unnamed)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
