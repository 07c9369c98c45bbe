#!/usr/bin/env python3
"""Scale-out benchmark on Odoo's own cron engine (not run by CI).

Builds, on a scratch database, customers with a paired app and a due app
message each, then runs a real Odoo server in prefork mode
(``--workers=2 --max-cron-threads=N``) for N = 1 and N = 2 on two copies of
that database, with the module's crons only: the sender hands the messages
to the app channel in batches locked with ``FOR UPDATE SKIP LOCKED`` and
committed one by one, each batch triggers the push queue's cron, which
pushes to a local push service (the test suite's), also in locked batches.

With one cron worker the push queue waits for the sender to finish; with two
it pushes while the sender is still handing over (Odoo runs one job in one
worker at a time: a second worker takes the other job). ``--sender-jobs 2``
adds a second sender job (a copy of the module's cron), to show two workers
sharing the *same* queue through SKIP LOCKED. Prints messages per second for
each run beside the bare-HTTP floor (the same pushes sent one after the other
to the push service, no Odoo), and checks exactly once: every communication
sent once, every push delivered once (the push service counts requests and
idempotency keys).

    python3 bench/bench_scale_out.py [--customers 10000] [--database optical_bench_scale] [--port 18183]
"""
import argparse
import os
import pathlib
import subprocess
import sys
import time

import requests
from sms_harness import load_test_server

ROOT = pathlib.Path(__file__).resolve().parent.parent
PG = ["-h", os.environ.get("PGHOST", "127.0.0.1"), "-p", os.environ.get("PGPORT", "5432"), "-U", "odoo"]
PUSH_KEY = "bench-push-key"


def load_push_server():
    return load_test_server("optical_crm_app", "push_server.py", "PushServer")


def psql(db, sql):
    return subprocess.run(["psql", *PG, "-d", db, "-v", "ON_ERROR_STOP=1", "-qtAc", sql], check=True,
                          capture_output=True, text=True).stdout.strip()


def build(db, customers, port):
    subprocess.run(["dropdb", *PG, "--if-exists", db], check=True)
    print("Installing optical_crm_app on %s ..." % db, flush=True)
    subprocess.run([str(ROOT / "scripts" / "odoo"), "-d", db, "-i", "optical_crm_app", "--without-demo=all",
                    "--stop-after-init", "--log-level=warn", "--http-port=%d" % port], check=True)
    script = """
shop = env['res.company'].create({'name': 'Ottica Bench', 'country_id': env.ref('base.it').id,
                                  'optical_send_calendar_id': False})
cycle = env['optical.crm.cycle'].create({
    'name': 'Bench', 'event_type': 'optometry', 'company_id': shop.id,
    'step_ids': [(0, 0, {'name': '12 months app', 'channel': 'app', 'purpose': 'marketing',
                         'interval_number': 12, 'interval_unit': 'months',
                         'body': 'Ciao {{ object.first_name }}, è ora del controllo della vista!'})]})
params = env['ir.config_parameter'].sudo()
params.set_param('optical_crm.send_batch_size', '500')
params.set_param('optical_crm_app.push_batch_size', '100')
env.flush_all()
cr = env.cr
cr.execute('''
    INSERT INTO res_partner (name, complete_name, company_id, active, type, lang, is_company,
                             optical_consent_marketing, optical_consent_app, create_date, write_date)
    SELECT 'Cliente ' || n, 'Cliente ' || n, %(shop)s, TRUE, 'contact', 'en_US', FALSE, TRUE, TRUE, now(), now()
      FROM generate_series(1, %(count)s) n RETURNING id''', {'shop': shop.id, 'count': COUNT})
ids = [row[0] for row in cr.fetchall()]
cr.execute('''
    INSERT INTO optical_app_device (name, partner_id, company_id, api_key_hash, push_token, has_push_token,
                                    active, paired_date, create_date, write_date)
    SELECT 'App', id, %(shop)s, md5(id::text), 'token-' || id, TRUE, TRUE, now(), now(), now()
      FROM unnest(%(ids)s) id''', {'shop': shop.id, 'ids': ids})
cr.execute('''
    INSERT INTO optical_crm_event (partner_id, company_id, event_type, event_date, active, source, is_purchase,
                                   create_date, write_date)
    SELECT id, %(shop)s, 'optometry', CURRENT_DATE - 365, TRUE, 'manual', FALSE, now(), now()
      FROM unnest(%(ids)s) id''', {'shop': shop.id, 'ids': ids})
cr.execute('''
    INSERT INTO optical_crm_communication (partner_id, company_id, channel, purpose, scheduled_date, state,
                                           source, priority, cycle_id, cycle_step_id, event_id,
                                           create_date, write_date)
    SELECT e.partner_id, e.company_id, 'app', 'marketing', CURRENT_DATE, 'planned', 'cycle', 10, %(cycle)s,
           %(step)s, e.id, now(), now()
      FROM optical_crm_event e WHERE e.company_id = %(shop)s''',
    {'cycle': cycle.id, 'step': cycle.step_ids.id, 'shop': shop.id})
cr.execute('ANALYZE')
env.cr.commit()
""".replace("COUNT", str(customers))
    subprocess.run([str(ROOT / "scripts" / "odoo"), "shell", "-d", db, "--log-level=warn",
                    "--http-port=%d" % port], input=script, text=True, check=True, capture_output=True)


def run_once(template, db, cron_workers, sender_jobs, port, push_url):
    subprocess.run(["dropdb", *PG, "--if-exists", db], check=True)
    subprocess.run(["createdb", *PG, "-T", template, db], check=True)
    sender = "(SELECT res_id FROM ir_model_data WHERE module = 'optical_crm' AND name = 'ir_cron_send_communications')"
    push = "(SELECT res_id FROM ir_model_data WHERE module = 'optical_crm_app' AND name = 'ir_cron_process_push_queue')"
    psql(db, "UPDATE ir_config_parameter SET value = '%s' WHERE key = 'optical_crm_app.push_url'; "
             "INSERT INTO ir_config_parameter (key, value) VALUES ('optical_crm_app.push_url', '%s') "
             "ON CONFLICT (key) DO NOTHING; "
             "INSERT INTO ir_config_parameter (key, value) VALUES ('optical_crm_app.push_api_key', '%s') "
             "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value; "
             "UPDATE ir_cron SET active = FALSE WHERE id NOT IN (%s, %s)"
             % (push_url, push_url, PUSH_KEY, sender, push))
    for _copy in range(sender_jobs - 1):
        psql(db, "INSERT INTO ir_cron (ir_actions_server_id, cron_name, user_id, active, interval_number, "
                 "interval_type, nextcall, priority, failure_count) "
                 "SELECT ir_actions_server_id, cron_name || ' (second worker)', user_id, TRUE, interval_number, "
                 "interval_type, nextcall, priority, 0 FROM ir_cron WHERE id = %s" % sender)
    # Nothing runs before the server is up: the jobs are due in an hour.
    psql(db, "UPDATE ir_cron SET nextcall = (now() AT TIME ZONE 'UTC') + interval '1 hour' WHERE active")
    server = subprocess.Popen(
        [str(ROOT / "scripts" / "odoo"), "-d", db, "--db-filter=^%s$" % db, "--http-port=%d" % port,
         "--workers=2", "--max-cron-threads=%d" % cron_workers, "--limit-time-real-cron=0",
         "--limit-time-cpu=3600", "--limit-time-real=3600", "--log-level=warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _attempt in range(120):
            try:
                requests.get("http://127.0.0.1:%d/web/health" % port, timeout=5).raise_for_status()
                break
            except requests.RequestException:
                time.sleep(1)
        time.sleep(3)  # the cron workers are up and listening
        started = time.monotonic()
        psql(db, "UPDATE ir_cron SET nextcall = now() AT TIME ZONE 'UTC' WHERE active")
        psql("postgres", "SELECT pg_notify('cron_trigger', '%s')" % db)
        while True:
            left = psql(db, "SELECT (SELECT count(*) FROM optical_crm_communication WHERE state = 'planned') "
                            "+ (SELECT count(*) FROM optical_app_push WHERE state = 'pending')")
            if left == "0":
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=120)
    counts = psql(db, "SELECT (SELECT count(*) FROM optical_crm_communication WHERE state = 'sent'), "
                      "(SELECT count(*) FROM optical_app_message), "
                      "(SELECT count(DISTINCT communication_id) FROM optical_app_message), "
                      "(SELECT count(*) FROM optical_app_push WHERE state = 'sent')")
    return elapsed, [int(value) for value in counts.split("|")]


def bare_http(PushServer, count):  # noqa: N803 - a class
    """Seconds to send ``count`` pushes one after the other, no Odoo."""
    server = PushServer(PUSH_KEY).start()
    try:
        session = requests.Session()
        started = time.monotonic()
        for index in range(count):
            session.post(server.url, json={"token": "token-%d" % index, "title": "Ottica Bench", "body": "Ciao"},
                         headers={"Authorization": "Bearer %s" % PUSH_KEY, "Idempotency-Key": "floor-%d" % index},
                         timeout=10).raise_for_status()
        return time.monotonic() - started
    finally:
        server.stop()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--database", default=os.environ.get("OPTICAL_BENCH_DB", "optical_bench_scale"))
    parser.add_argument("--port", type=int, default=18183)
    parser.add_argument("--sender-jobs", type=int, default=1, help="sender cron jobs (copies of the module's)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    options = parser.parse_args()
    PushServer = load_push_server()  # noqa: N806 - a class
    template = options.database
    build(template, options.customers, options.port)
    results = {}
    ok = True
    try:
        for workers in (1, 2):
            server = PushServer(PUSH_KEY).start()
            try:
                db = "%s_run%d" % (template, workers)
                elapsed, (sent, messages, distinct, pushed) = run_once(
                    template, db, workers, options.sender_jobs if workers > 1 else 1, options.port, server.url)
                requests_made, delivered = len(server.requests), len(server.delivered)
            finally:
                server.stop()
            if not options.keep:
                subprocess.run(["dropdb", *PG, "--if-exists", db], check=True)
            results[workers] = elapsed
            exact = sent == messages == distinct == pushed == delivered == requests_made == options.customers
            ok = ok and exact
            print("%d cron worker(s): %d messages sent and pushed in %.1f s = %.0f/s; push requests %d, "
                  "distinct pushes %d, messages %d for %d communications: %s"
                  % (workers, pushed, elapsed, pushed / elapsed, requests_made, delivered, messages, distinct,
                     "exactly once" if exact else "MISMATCH"), flush=True)
        floor = bare_http(PushServer, options.customers)
        print("bare HTTP floor (pushes one after the other, no Odoo): %.1f s = %.0f/s"
              % (floor, options.customers / floor))
        print("two cron workers / one: %.2fx the throughput" % (results[1] / results[2]))
    finally:
        if not options.keep:
            subprocess.run(["dropdb", *PG, "--if-exists", template], check=True)
    return 0 if ok and results[2] < results[1] else 1


if __name__ == "__main__":
    sys.exit(main())
