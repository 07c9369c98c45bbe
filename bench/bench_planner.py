#!/usr/bin/env python3
"""Planner benchmark (not run by CI).

Builds, on a scratch database, 100,000 customers with 300,000 trigger events
and 5 cyclic activities (SMS steps with fallback to e-mail then a call, and
stop conditions), with optical_crm_sms installed, runs the planner with a
365-day horizon and prints: communications planned per second and per
communication, the time of a second run with nothing new, and the time of a
bare ``INSERT ... SELECT`` of the same rows into a table of the same shape
(same indexes, with and without foreign keys) as a ratio, with the load
average beside each. Each timed run starts after a CHECKPOINT, so that none
pays for writing the pages that the build or another run dirtied. ``--profile`` prints the first run's slowest
statements. Figures: bench/README.md.

    python3 bench/bench_planner.py [--customers 100000] [--keep] [--profile] [--database NAME]
"""
import argparse
import contextlib
import datetime
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DB = "optical_bench_planner"


def sh(*args):
    subprocess.run(args, check=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


@contextlib.contextmanager
def statement_timer(cr, enabled, title="the first run", top=12):
    """With ``enabled``, time every statement run on ``cr`` and print the
    slowest, each with its share of the run."""
    if not enabled:
        yield
        return
    timings = []
    execute = cr.execute

    def timed_execute(query, params=None, log_exceptions=True):
        t0 = time.perf_counter()
        try:
            return execute(query, params, log_exceptions)
        finally:
            # The statement's start and the rows it wrote or read (which cycle).
            timings.append((time.perf_counter() - t0, "%8d rows  %s" % (
                cr.rowcount, " ".join(str(getattr(query, "code", query)).split())[:120])))

    cr.execute = timed_execute
    t0 = time.perf_counter()
    try:
        yield
    finally:
        cr.execute = execute
        total = time.perf_counter() - t0
        print("slowest statements of %s (%d statements, %.1f s in SQL of %.1f s):"
              % (title, len(timings), sum(t for t, _q in timings), total))
        for seconds, query in sorted(timings, reverse=True)[:top]:
            print("  %6.2f s %4.0f%%  %s" % (seconds, 100 * seconds / total, query[:160]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--profile", action="store_true", help="print the first run's slowest statements")
    parser.add_argument("--database", default=os.environ.get("OPTICAL_BENCH_DB", DB),
                        help="the scratch database (dropped and created)")
    options = parser.parse_args()
    db = options.database
    env_pg = dict(os.environ, PGHOST=os.environ.get("PGHOST", "127.0.0.1"))
    subprocess.run(["dropdb", "-U", "postgres", "--if-exists", db], check=True, env=env_pg)
    print("Installing optical_crm and optical_crm_sms (its cycles have SMS steps) on scratch database %s ..." % db, flush=True)
    sh(os.path.join(ROOT, "scripts", "odoo"), "-d", db, "-i", "optical_crm,optical_crm_sms", "--without-demo=all",
       "--stop-after-init", "--no-http", "--log-level=warn")

    import psycopg2

    import odoo
    from odoo.tools import SQL

    odoo.tools.config.parse_config(["-c", os.path.join(ROOT, "odoo.conf"),
                                    "--addons-path", os.path.join(ROOT, "addons"), "-d", db])
    registry = odoo.modules.registry.Registry(db)

    def maintenance(statement):
        # Outside any transaction. Each timed run starts after a CHECKPOINT: the pages that the build
        # (or the run before) dirtied are written then, not during the run that follows.
        cursor = odoo.sql_db.db_connect(db).cursor()
        cursor._cnx.autocommit = True
        try:
            cursor.execute(statement)
        except psycopg2.errors.InsufficientPrivilege:
            print("(%s needs a superuser or the pg_checkpoint role: runs are timed without it)" % statement)
        finally:
            cursor.close()

    n_customers = options.customers
    n_events = n_customers * 3
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env.company
        company.write({"optical_horizon_days": 365, "optical_catchup_days": 3, "optical_pressure_max": 0})
        today = company._optical_today()
        t0 = time.perf_counter()
        # Customers: one statement; consent for 9 in 10; birthdays spread over the year.
        cr.execute(SQL(
            """INSERT INTO res_partner (name, complete_name, company_id, active, type, is_company, lang,
                                        birthdate, mobile, optical_consent_marketing, optical_consent_sms,
                                        optical_consent_app, create_date, write_date)
               SELECT 'Customer ' || g, 'Customer ' || g, %(company)s, TRUE, 'contact', FALSE, 'en_US',
                      DATE '1950-01-01' + mod(g::bigint * 37, 18000)::int, '+39333' || lpad(g::text, 7, '0'),
                      mod(g, 10) <> 0, mod(g, 10) <> 0, mod(g, 3) = 0,
                      NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
                 FROM generate_series(1, %(n)s) g""", company=company.id, n=n_customers))
        cr.execute(SQL("SELECT min(id) FROM res_partner WHERE name = 'Customer 1'"))
        first_partner = cr.fetchone()[0]
        # Events: 3 per customer, types and dates spread over the last 2 years and the next 2 months.
        cr.execute(SQL(
            """INSERT INTO optical_crm_event (partner_id, event_type, event_date, lens_type, company_id,
                                              active, source, is_purchase, create_date, write_date)
               SELECT %(first)s + mod(g, %(n)s),
                      (ARRAY['glasses_delivery', 'lac_next_supply', 'optometry', 'sale_delivery',
                             'glasses_delivery', 'lac_delivery'])[1 + mod(g, 6)],
                      %(today)s::date - 730 + mod(g::bigint * 7919, 790)::int,
                      CASE WHEN mod(g, 6) IN (0, 4) THEN (ARRAY['progressive', 'single_vision'])[1 + mod(g, 2)] END,
                      %(company)s, TRUE, 'focus', mod(g, 6) = 3,
                      NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
                 FROM generate_series(0, %(events)s - 1) g""",
            first=first_partner, n=n_customers, today=today, company=company.id, events=n_events))
        # The customers' shop, as Odoo stores it for every customer (birthdays and targets read it),
        # and with it their SMS status (read once per number, as when a customer's number changes).
        t1 = time.perf_counter()
        env["res.partner"]._optical_update_shops()
        cr.execute("SELECT count(*) FROM res_partner WHERE optical_sms_status IS NOT NULL")
        sms_statuses, shops_time = cr.fetchone()[0], time.perf_counter() - t1
        Cycle = env["optical.crm.cycle"]

        page = env["optical.crm.landing.page"].create({"name": "Happy birthday", "title": "A gift for you"})

        def stop(*codes):
            # Stop conditions, evaluated inside the planner's INSERT like every other rule.
            return [env.ref("optical_crm.event_type_%s" % code).id for code in codes]

        def steps(*rows):
            return [(0, 0, {"name": "%s %s %s" % row[:3], "interval_number": row[0], "interval_unit": row[1],
                            "channel": row[2], "body": "Hello {{ object.first_name }}",
                            "stop_event_type_ids": [(6, 0, row[3] if len(row) > 3 else [])],
                            "landing_page_id": page.id if row[2] == "sms_link" else False,
                            # SMS steps reach on another channel: e-mail, else a call.
                            "fallback_ids": [(0, 0, {"channel": "email", "sequence": 1}),
                                             (0, 0, {"channel": "phone", "sequence": 2})] if row[2] == "sms" else [],
                            }) for row in rows]

        Cycle.create([
            {"name": "Progressive", "event_type": "glasses_delivery", "lens_type": "progressive",
             "step_ids": steps((1, "weeks", "phone"), (3, "months", "email"), (12, "months", "sms", stop("optometry")),
                               (24, "months", "sms", stop("glasses_entry", "glasses_delivery")))},
            {"name": "Glasses", "event_type": "glasses_delivery",
             "step_ids": steps((12, "months", "export"))},
            {"name": "Contact lenses", "event_type": "lac_next_supply",
             "step_ids": steps((-5, "days", "sms", stop("lac_entry", "lac_delivery")))},
            {"name": "Eye exam", "event_type": "optometry",
             "step_ids": steps((1, "months", "export"), (12, "months", "sms", stop("optometry")))},
            {"name": "Birthday", "event_type": "birthday", "step_ids": steps((0, "days", "sms_link"))},
        ])
        cr.commit()
        print("Built %d customers and %d events in %.1f s (shops and SMS status of %d customers: %.1f s)"
              % (n_customers, n_events, time.perf_counter() - t0, sms_statuses, shops_time))
        cr.execute("UPDATE res_partner SET optical_sms_status = NULL, optical_sms_number = NULL")
        t1 = time.perf_counter()
        filled = env["res.partner"]._optical_sms_fill()
        cr.commit()
        print("SMS status fill from empty columns, as on a module update (%d written): %.1f s, load %s"
              % (filled, time.perf_counter() - t1, loadavg()))
        # The build rewrote every customer (shop, SMS status): vacuumed, as autovacuum would in a shop's database.
        maintenance("VACUUM ANALYZE")

        Communication = env["optical.crm.communication"]
        date_from = today - datetime.timedelta(days=3)
        date_to = today + datetime.timedelta(days=365)
        maintenance("CHECKPOINT")
        load_before = loadavg()
        t0 = time.perf_counter()
        with statement_timer(cr, options.profile):
            Communication._plan_company(company, date_from, date_to)
        cr.commit()
        first_run = time.perf_counter() - t0
        load_first = loadavg()
        cr.execute("SELECT count(*) FROM optical_crm_communication")
        planned = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM optical_crm_event WHERE source = 'birthday'")
        birthdays = cr.fetchone()[0]
        cr.execute("SELECT count(*) FROM optical_crm_communication WHERE skip_code = 'goal_reached'")
        stopped = cr.fetchone()[0]

        maintenance("CHECKPOINT")
        t0 = time.perf_counter()
        with statement_timer(cr, options.profile, "the second run", 5):
            again = Communication._plan_company(company, date_from, date_to)
        cr.commit()
        second_run = time.perf_counter() - t0

        # The bare write of the same rows: one INSERT ... SELECT, no logic, into a
        # table of the same shape (columns, indexes, foreign keys), and, for
        # reference, into one without the foreign keys.
        columns = ("partner_id, company_id, channel, purpose, scheduled_date, state, source, priority, "
                   "cycle_id, cycle_step_id, event_id, campaign_id, campaign_step_id, skip_code, skip_reason, "
                   "create_uid, write_uid, create_date, write_date")
        cr.execute("""SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
                       WHERE conrelid = 'optical_crm_communication'::regclass AND contype = 'f'""")
        foreign_keys = cr.fetchall()
        bare, bare_load = {}, {}
        for variant in ("with foreign keys", "without foreign keys"):
            cr.execute("CREATE TABLE bench_bare_insert (LIKE optical_crm_communication INCLUDING ALL)")
            if variant == "with foreign keys":
                for name, definition in foreign_keys:
                    cr.execute('ALTER TABLE bench_bare_insert ADD CONSTRAINT "bare_%s" %s' % (name, definition))
            cr.commit()
            maintenance("CHECKPOINT")
            t0 = time.perf_counter()
            cr.execute("INSERT INTO bench_bare_insert (%s) SELECT %s FROM optical_crm_communication"
                       % (columns, columns))
            cr.commit()
            bare[variant] = time.perf_counter() - t0
            bare_load[variant] = loadavg()
            cr.execute("DROP TABLE bench_bare_insert")
            cr.commit()

    print()
    print("customers                 %d" % n_customers)
    print("events                    %d (+ %d birthday events generated)" % (n_events, birthdays))
    print("communications planned    %d (%d of them skipped by a stop condition, in the same INSERT)"
          % (planned, stopped))
    print("first run                 %.2f s  (%.0f communications/s, %.1f µs per communication; load %s, then %s)"
          % (first_run, planned / first_run, 1e6 * first_run / planned, load_before, load_first))
    print("second run, nothing new   %.2f s  (%d planned, %.1f%% of the first run)"
          % (second_run, again, 100 * second_run / first_run))
    for variant, seconds in bare.items():
        print("bare INSERT ... SELECT    %.2f s  (same columns and indexes, %s; load %s)"
              % (seconds, variant, bare_load[variant]))
        print("planner / bare insert     %.2fx  (%s)" % (first_run / seconds, variant))
    odoo.modules.registry.Registry.delete(db)
    if not options.keep:
        odoo.sql_db.close_all()
        subprocess.run(["dropdb", "-U", "postgres", "--if-exists", db], check=True, env=env_pg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
