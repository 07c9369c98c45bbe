#!/usr/bin/env python3
"""Benchmark: 20,000 due SMS dispatched to a local HTTP gateway.

Creates a scratch database (``--database``, default sms_bench, dropped at the
end), installs ``optical_crm_sms``, writes 20,000 customers with a due SMS,
then runs the sender cron (hand-over to Odoo's sms.sms queue) and Odoo's SMS
queue cron (HTTP gateway provider) against a real gateway on 127.0.0.1, side
by side as two cron workers do (``--max-cron-threads=2``): the sender in this
process, committing batch by batch, the SMS queue in a process of its own
sending what is committed (``--sequential``: the whole hand-over, then the
queue). Prints SMS per second and the gateway's own count, which must equal
the number sent; end to end is printed beside the bare-HTTP floor (measured
before and after Odoo's run, held to their mean). Each figure is printed
beside its floor, measured in the same run: for the hand-over, the bare SQL of it (one INSERT of the sms.sms rows,
one UPDATE of the communications, rolled back); for the dispatch, the bare
HTTP of it (the same number of SMS sent by the same gateway client, with the
same keep-alive sessions and workers, to a second local gateway, no Odoo).

The local gateway (``optical_crm_sms/tests/gateway_server.py``, threaded,
keep-alive) runs in a process of its own (``sms_harness.GatewayProcess``),
as a reseller's gateway does, for Odoo and for the floor alike.

Where the time goes (``--profile``; the figures are in bench/README.md):

- hand-over (0.3-0.44 ms of CPU per SMS, Odoo and PostgreSQL): the
  sender's rules over each batch (one set of statements per 1,000), the
  step's text rendered per customer (once per shop and language for a text
  naming no customer), the ``sms_sms`` rows inserted set-based
  (``_optical_create_outgoing``), texts, cost, SMS and state written on the
  communications in one UPDATE … FROM unnest per batch; the rules'
  statements run without JIT compilation, which cost ten times running them;
- dispatch (0.74-0.92x its floor alone, ``--sequential``): nearly all of it
  the gateway client's HTTP in its 4 workers (``requests`` + urllib3: about
  0.55-0.7 ms of CPU per POST on this machine, the floor's bound); Odoo's
  own work is 0.06-0.22 ms of CPU per SMS: the per-session lock (SKIP LOCKED),
  the STOP and consent check and the messages (one query each), one UPDATE
  per new state (``_optical_write_same``) and the commit per session. Side
  by side, the hand-over ends first and end to end follows the dispatch.

    python3 bench/bench_sms.py [--count 20000] [--database sms_bench] [--keep] [--profile]
"""
import argparse
import contextlib
import cProfile
import multiprocessing
import os
import pstats
import subprocess
import sys
import time

from sms_harness import ROOT, GatewayProcess, psql

DB = os.environ.get("OPTICAL_BENCH_DB", "sms_bench")
API_KEY = "bench-gateway-key"
FLOOR_CPU = []  # CPU seconds of the floor's client, per measurement


def install():
    psql("DROP DATABASE IF EXISTS %s" % DB)  # the scratch database, named on the command line
    subprocess.run([str(ROOT / "scripts" / "odoo"), "-d", DB, "-i", "optical_crm_sms", "--without-demo=all",
                    "--stop-after-init", "--http-port=18171", "--log-level=warn"], check=True)


def populate(env, count, gateway_url):
    from odoo.tools import SQL

    params = env["ir.config_parameter"]
    for key, value in {
        "optical_crm_sms.provider": "http",
        "optical_crm_sms.gateway_url": gateway_url,
        "optical_crm_sms.gateway_api_key": API_KEY,
        "optical_crm_sms.gateway_timeout": "5",
        "optical_crm.send_batch_size": "1000",
        "sms.session.batch.size": "500",
    }.items():
        params.set_param(key, value)
    shop = env["res.company"].create({
        "name": "Ottica Bench", "country_id": env.ref("base.it").id, "optical_send_calendar_id": False,
        "optical_sms_cost_per_segment": 0.045, "optical_sms_sender": "OtticaBench",
    })
    cycle = env["optical.crm.cycle"].create({
        "name": "Bench", "event_type": "optometry", "company_id": shop.id,
        "step_ids": [(0, 0, {"name": "12 months SMS", "channel": "sms", "purpose": "marketing",
                             "interval_number": 12, "interval_unit": "months",
                             "body": "Ciao {{ object.first_name }}, è ora del controllo della vista!"})],
    })
    env.flush_all()
    cr = env.cr
    # Set-based fixtures: the benchmark measures sending, not data entry. The SMS
    # number is on the planned rows, as the planner writes it.
    cr.execute("""
        INSERT INTO res_partner (name, complete_name, mobile, company_id, active, type, lang, is_company,
                                 optical_consent_marketing, optical_consent_sms, create_date, write_date)
        SELECT 'Cliente ' || n, 'Cliente ' || n, '+39 347 ' || lpad(n::text, 7, '0'), %s, TRUE, 'contact',
               'en_US', FALSE, TRUE, TRUE, now(), now()
          FROM generate_series(1, %s) n
        RETURNING id""", [shop.id, count])
    partner_ids = [row[0] for row in cr.fetchall()]
    # Their SMS status, as the ORM computes it when a customer is created.
    env["res.partner"]._optical_sms_fill(partner_ids)
    cr.execute("""
        INSERT INTO optical_crm_event (partner_id, company_id, event_type, event_date, active, source,
                                       create_date, write_date)
        SELECT id, %s, 'optometry', CURRENT_DATE - 365, TRUE, 'manual', now(), now()
          FROM unnest(%s) id""", [shop.id, partner_ids])
    cr.execute("""
        INSERT INTO optical_crm_communication (partner_id, company_id, channel, purpose, scheduled_date, state,
                                               source, priority, cycle_id, cycle_step_id, event_id, sms_number,
                                               create_date, write_date)
        SELECT e.partner_id, e.company_id, 'sms', 'marketing', CURRENT_DATE, 'planned', 'cycle', 10, %s, %s, e.id,
               p.optical_sms_number, now(), now()
          FROM optical_crm_event e JOIN res_partner p ON p.id = e.partner_id
         WHERE e.company_id = %s""", [cycle.id, cycle.step_ids.id, shop.id])
    # Statistics as a live database has them (autovacuum), so that plans are realistic.
    for table in ("res_partner", "optical_crm_event", "optical_crm_communication"):
        cr.execute(SQL("ANALYZE %s", SQL.identifier(table)))
    env.cr.commit()
    return shop


@contextlib.contextmanager
def profiled(profiler, label):
    """Run the block under ``profiler`` (when given) and print its top functions."""
    if profiler is None:
        yield
        return
    profiler.enable()
    try:
        yield
    finally:
        profiler.disable()
        print("---- where the time goes: %s" % label)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(r"optical|sms|models.py.*(create|write|flush)|http",
                                                                   35)


def bare_handover(env, shop):
    """Seconds for the bare SQL of the hand-over: one INSERT of the sms.sms
    rows, one UPDATE of the communications (rolled back)."""
    cr = env.cr
    cr.execute("SAVEPOINT bare_handover")
    started = time.perf_counter()
    cr.execute("""
        INSERT INTO sms_sms (uuid, number, body, partner_id, state, optical_communication_id, create_date, write_date)
        SELECT md5(c.id::text || random()::text), p.mobile, 'Ciao, è ora del controllo della vista!', c.partner_id,
               'outgoing', c.id, now(), now()
          FROM optical_crm_communication c JOIN res_partner p ON p.id = c.partner_id
         WHERE c.company_id = %s AND c.state = 'planned'""", [shop.id])
    cr.execute("""UPDATE optical_crm_communication c SET state = 'sent', sent_date = now(), write_date = now()
                   WHERE c.company_id = %s AND c.state = 'planned'""", [shop.id])
    elapsed = time.perf_counter() - started
    cr.execute("ROLLBACK TO SAVEPOINT bare_handover")
    return elapsed


def cpu_seconds(cr=None):
    """CPU seconds used so far by this process (all its threads: the gateway
    client's workers too) and, given a cursor, by its PostgreSQL backend:
    what a run costs the machine, beside its wall time."""
    used = sum(os.times()[:2])
    if cr is not None:
        cr.execute("SELECT pg_backend_pid()")
        with open("/proc/%d/stat" % cr.fetchone()[0]) as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        used += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def bare_dispatch(count):
    """Seconds for the bare HTTP of the dispatch: ``count`` SMS sent by the
    same gateway client (sessions, workers, batch size) to a second local
    gateway process, no Odoo."""
    from odoo.addons.optical_crm_sms.tools.sms_gateway import HttpSmsGateway

    messages = [{"to": "+39347%07d" % index, "text": "Ciao, è ora del controllo della vista!",
                 "sender": "OtticaBench", "reference": "floor-%d" % index} for index in range(count)]
    with GatewayProcess(API_KEY) as gateway:
        client = HttpSmsGateway(gateway.url, API_KEY, timeout=5, batch_size=100, workers=4)
        started, cpu = time.perf_counter(), cpu_seconds()
        results = client.send_batch(messages)
        elapsed = time.perf_counter() - started
        FLOOR_CPU.append(cpu_seconds() - cpu)
        assert gateway.counts()[0] == count and all(result.state == "accepted" for result in results)
    return elapsed


def dispatcher(database, ready, go, handed_over, finished):
    """A second cron worker, in a process of its own: Odoo's SMS queue run
    again and again from ``go`` until the hand-over is over and nothing is
    left outgoing; puts the monotonic time it finished in ``finished``."""
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", str(ROOT / "odoo.conf"), "--addons-path=%s" % (ROOT / "addons"),
                                    "-d", database, "--log-level=warn"])
    registry = Registry(database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        Sms = env["sms.sms"]
        ready.set()
        go.wait()
        while True:
            last = handed_over.is_set()
            if Sms.search_count([("state", "=", "outgoing")]):
                Sms._process_queue()
            elif last:
                break
            else:
                time.sleep(0.02)
            cr.commit()
            env.invalidate_all()
    finished.put(time.monotonic())
    odoo.sql_db.close_all()


def main():
    global DB  # noqa: PLW0603 - the command line decides it once
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--database", default=os.environ.get("OPTICAL_BENCH_DB", "sms_bench"),
                        help="scratch database (dropped and created)")
    parser.add_argument("--profile", action="store_true", help="print where the time goes (cProfile)")
    parser.add_argument("--sequential", action="store_true",
                        help="one worker: the whole hand-over, then the dispatch (the SMS queue alone)")
    args = parser.parse_args()
    DB = args.database

    install()
    import odoo
    from odoo import api
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", str(ROOT / "odoo.conf"), "--addons-path=%s" % (ROOT / "addons"),
                                    "-d", DB, "--log-level=warn"])
    registry = Registry(DB)
    try:
        with GatewayProcess(API_KEY) as gateway:
            with registry.cursor() as cr:
                env = api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
                shop = populate(env, args.count, gateway.url)
                floor_handover = bare_handover(env, shop)
                floor_dispatch = bare_dispatch(args.count)
                profiler = cProfile.Profile() if args.profile else None
                if args.sequential:
                    t0, cpu = time.monotonic(), cpu_seconds(cr)
                    with profiled(profiler, "hand-over"):
                        handed = env["optical.crm.communication"]._cron_send_communications()
                    t1 = time.monotonic()
                    handover_cpu = cpu_seconds(cr) - cpu
                    Sms = env["sms.sms"]
                    cpu = cpu_seconds(cr)
                    with profiled(cProfile.Profile() if args.profile else None, "dispatch"):
                        while Sms.search_count([("state", "=", "outgoing")]):
                            Sms._process_queue()
                    t2 = time.monotonic()
                    dispatch_cpu = cpu_seconds(cr) - cpu
                else:
                    # Two cron workers, as with --max-cron-threads=2: the sender hands
                    # over batch by batch (a commit each) while Odoo's SMS queue sends
                    # what is committed, in a process of its own.
                    context = multiprocessing.get_context("spawn")
                    ready, go, handed_over = context.Event(), context.Event(), context.Event()
                    finished = context.Queue()
                    worker = context.Process(target=dispatcher, args=(DB, ready, go, handed_over, finished))
                    worker.start()
                    if not ready.wait(300):
                        raise SystemExit("The dispatching worker did not start")
                    t0 = time.monotonic()
                    go.set()
                    with profiled(profiler, "hand-over"):
                        handed = env["optical.crm.communication"]._cron_send_communications()
                    cr.commit()
                    handed_over.set()
                    t1 = time.monotonic()
                    t2 = finished.get(timeout=3600)
                    worker.join(60)
                    env.invalidate_all()
                cr.execute("""SELECT state, count(*) FROM optical_crm_communication
                               WHERE company_id = %s GROUP BY state""", [shop.id])
                states = dict(cr.fetchall())
                cr.execute("SELECT count(*), count(DISTINCT reference) FROM (SELECT sms_reference AS reference "
                           "FROM optical_crm_communication WHERE company_id = %s AND state = 'sent') x", [shop.id])
                sent, distinct = cr.fetchone()
                cr.execute("SELECT round(sum(sms_cost)::numeric, 2) FROM optical_crm_communication "
                           "WHERE company_id = %s", [shop.id])
                cost = cr.fetchone()[0]
            received, requests = gateway.counts()
        # The floor again, after Odoo's run: on a shared machine it moves by a
        # quarter within minutes; end to end is held to the mean of the two.
        floor_after = bare_dispatch(args.count)
    finally:
        odoo.sql_db.close_all()
        if not args.keep:
            psql("DROP DATABASE IF EXISTS %s" % DB)

    total = t2 - t0
    floors = (args.count / floor_dispatch, args.count / floor_after)
    floor_dispatch = (floor_dispatch + floor_after) / 2
    bare_http = args.count / floor_dispatch
    print("due SMS:                      %d" % args.count)
    print("handed to sms.sms (sender):   %d in %.1f s (%.0f SMS/s; bare SQL floor %.0f SMS/s)"
          % (handed, t1 - t0, handed / (t1 - t0), args.count / floor_handover))
    if args.sequential:
        print("dispatched to gateway:        %d in %.1f s (%.0f SMS/s; bare HTTP floor %.0f SMS/s)"
              % (sent, t2 - t1, sent / (t2 - t1), bare_http))
        print("hand-over CPU (Odoo process and its PostgreSQL backend): %.1f s, %.2f ms per SMS"
              % (handover_cpu, handover_cpu * 1000 / handed))
        floor_cpu = sum(FLOOR_CPU) / len(FLOOR_CPU)
        print("dispatch CPU (Odoo process and its PostgreSQL backend): %.1f s, the floor's client %.1f s: "
              "Odoo's own %.2f ms per SMS" % (dispatch_cpu, floor_cpu, (dispatch_cpu - floor_cpu) * 1000 / sent))
    else:
        print("dispatched alongside:         %d, the last %.1f s after the hand-over (two workers)"
              % (sent, t2 - t1))
    print("end to end:                   %.1f s, %.0f SMS/s = %.2f x the bare HTTP floor (%.0f SMS/s, the mean "
          "of %.0f before and %.0f after; bare SQL + HTTP %.0f SMS/s)"
          % (total, sent / total, sent / total / bare_http, bare_http, *floors,
             args.count / (floor_handover + floor_dispatch)))
    print("communications by state:      %s" % states)
    print("gateway's own count:          %d unique references (%d HTTP requests)" % (received, requests))
    print("cost at 0.045 per segment:    %s" % cost)
    ok = received == sent == distinct == args.count
    print("gateway count == sent:        %s" % ("OK" if ok else "MISMATCH"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
