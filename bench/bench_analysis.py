#!/usr/bin/env python3
"""Analysis benchmark (not run by CI).

Builds, on a scratch database, 100,000 customers, 300,000 trigger events,
5 cyclic activities (one with a 10% control group) and 1,000,000
communications in every state (calls made and not made, SMS delivered,
messages opened, purchases after contact), then prints the time of:

* the *Analysis › Results* pivot in its default grouping and default filter
  (this year): as Odoo's pivot asks it (the total, then, once it has come,
  the rows: two ``read_group`` one after the other), and as this module's
  pivot asks it (``read_group_sets``: every grouping in one pass, or side by
  side when the server answers that one pass would not pay), the time a
  person waits; and the same over the whole history,
* the *Control group* pivot (rates, uplift and interval per cycle), the
  same two ways,
* the smart buttons of the largest cycle's form (customers contacted, who
  bought, conversion, uplift).

Each is run 3 times; the first (cold) and the best are printed, beside a
floor measured in the same run: the bare SQL counting the distinct customers
of the same rows once (``COUNT(DISTINCT partner_id)``, no Odoo, no view).
Goal: under 1 s each on a 2-core machine.

    python3 bench/bench_analysis.py [--communications 1000000] [--database NAME] [--keep] [--reuse]

``--reuse`` keeps the data of a database built before with ``--keep`` and
only upgrades the module.
"""
import argparse
import os
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def timed(function, runs=3):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - t0)
    return times, result


def side_by_side(registry, domain, measures, rows):
    """The groupings of a pivot asked at once, one ``read_group`` each, in
    its own worker and transaction: what this module's pivot does when the
    server answers that one pass would not pay."""
    import odoo

    def ask(groupby, out):
        with registry.cursor() as cursor:
            env = odoo.api.Environment(cursor, odoo.SUPERUSER_ID, {})
            out.append(env["optical.crm.analysis"].read_group(domain, measures, groupby, lazy=False))

    answers = [[], []]
    workers = [threading.Thread(target=ask, args=(groupby, out)) for groupby, out in zip(([], rows), answers,
                                                                                          strict=True)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return answers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communications", type=int, default=1_000_000)
    parser.add_argument("--customers", type=int, default=100_000)
    parser.add_argument("--db", "--database", default="optical_bench_analysis", help="scratch database (dropped first)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--reuse", action="store_true", help="reuse the data of a kept database")
    options = parser.parse_args()
    db = options.db
    env_pg = dict(os.environ, PGHOST=os.environ.get("PGHOST", "127.0.0.1"))
    if options.reuse:
        print("Upgrading optical_crm on %s ..." % db, flush=True)
        subprocess.run([os.path.join(ROOT, "scripts", "odoo"), "-d", db, "-u", "optical_crm",
                        "--stop-after-init", "--log-level=warn"], check=True)
    else:
        subprocess.run(["dropdb", "-U", "postgres", "--if-exists", db], check=True, env=env_pg)
        print("Installing optical_crm and optical_crm_sms on scratch database %s ..." % db, flush=True)
        subprocess.run([os.path.join(ROOT, "scripts", "odoo"), "-d", db, "-i", "optical_crm,optical_crm_sms",
                        "--without-demo=all", "--stop-after-init", "--log-level=warn"], check=True)

    import odoo
    from odoo.tools import SQL

    odoo.tools.config.parse_config(["-c", os.path.join(ROOT, "odoo.conf"),
                                    "--addons-path", os.path.join(ROOT, "addons"), "-d", db])
    registry = odoo.modules.registry.Registry(db)
    n_customers, n_events, n_comms = options.customers, options.customers * 3, options.communications
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env.company
        company.write({"optical_call_minutes": 5, "optical_call_hourly_cost": 24,
                       "optical_sms_cost_per_segment": 0.05})
        today = company._optical_today()
        if options.reuse:
            cycles = env["optical.crm.cycle"].search([], order="id")
            cr.execute("SELECT count(*) FROM res_partner WHERE name LIKE 'Customer %'")
            n_customers = cr.fetchone()[0]
            cr.execute("SELECT count(*) FROM optical_crm_event")
            n_events = cr.fetchone()[0]
        else:
            t0 = time.perf_counter()
            cr.execute(SQL(
                """INSERT INTO res_partner (name, complete_name, company_id, active, type, is_company, lang,
                                            optical_consent_marketing, optical_consent_sms, create_date, write_date)
                   SELECT 'Customer ' || g, 'Customer ' || g, %(company)s, TRUE, 'contact', FALSE, 'en_US',
                          TRUE, TRUE, NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
                     FROM generate_series(1, %(n)s) g""", company=company.id, n=n_customers))
            cr.execute("SELECT min(id) FROM res_partner WHERE name = 'Customer 1'")
            first_partner = cr.fetchone()[0]
            # Events: 3 per customer over the last two years; one in three a purchase with an amount.
            cr.execute(SQL(
                """INSERT INTO optical_crm_event (partner_id, event_type, event_date, company_id, active, source,
                                                  is_purchase, amount, create_date, write_date)
                   SELECT %(first)s + mod(g, %(n)s),
                          (ARRAY['glasses_delivery', 'optometry', 'sale_delivery'])[1 + mod(g / %(n)s, 3)],
                          %(today)s::date - 730 + mod(g::bigint * 7919, 730)::int, %(company)s, TRUE, 'focus',
                          mod(g / %(n)s, 3) = 2, CASE WHEN mod(g / %(n)s, 3) = 2 THEN 50 + mod(g, 400) END,
                          NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
                     FROM generate_series(0, %(events)s - 1) g""",
                first=first_partner, n=n_customers, today=today, company=company.id, events=n_events))
            cr.execute("SELECT min(id) FROM optical_crm_event")
            first_event = cr.fetchone()[0]

            def steps(*rows):
                return [(0, 0, {"name": "%s %s %s" % row, "interval_number": row[0], "interval_unit": row[1],
                                "channel": row[2], "body": "Hello {{ object.first_name }}"}) for row in rows]

            cycles = env["optical.crm.cycle"].create([
                {"name": "Progressive", "event_type": "glasses_delivery", "holdout_percent": 10,
                 "step_ids": steps((1, "weeks", "phone"), (3, "months", "email"), (12, "months", "sms"))},
                {"name": "Glasses", "event_type": "glasses_delivery", "step_ids": steps((12, "months", "export"))},
                {"name": "Contact lenses", "event_type": "lac_next_supply", "step_ids": steps((-5, "days", "sms"))},
                {"name": "Eye exam", "event_type": "optometry", "step_ids": steps((12, "months", "sms"))},
                {"name": "Birthday", "event_type": "birthday", "step_ids": steps((0, "days", "email"))},
            ])
            env.flush_all()
            # The steps as (cycle, step, channel), the first cycle weighted three times (its three steps).
            cr.execute(SQL(
                """SELECT array_agg(s.cycle_id ORDER BY s.id), array_agg(s.id ORDER BY s.id),
                          array_agg(s.channel ORDER BY s.id)
                     FROM optical_crm_cycle_step s WHERE s.cycle_id IN %s""", tuple(cycles.ids)))
            step_cycles, step_ids, step_channels = cr.fetchone()
            n_steps = len(step_ids)
            # 1,000,000 communications over the last 400 days: 10% of the first cycle's customers held out,
            # the rest sent or done (calls: 0-3 attempts), some planned, skipped, failed; 25% of the
            # contacted (15% of the control group) bought one of their own events afterwards.
            cr.execute(SQL(
                """INSERT INTO optical_crm_communication
                          (partner_id, company_id, channel, purpose, scheduled_date, source, priority, cycle_id,
                           cycle_step_id, state, skip_code, sent_date, callback_attempts, opened, sms_segments,
                           sms_cost, purchased_after_contact, purchase_event_id, create_date, write_date)
                   SELECT x.partner_id, %(company)s, x.channel, 'marketing', x.day, 'cycle', 10, x.cycle_id, x.step_id,
                          x.state, CASE WHEN x.state = 'skipped' THEN x.skip_code END,
                          CASE WHEN x.state IN ('sent', 'done', 'failed') THEN x.day::timestamp + interval '10 hours' END,
                          CASE WHEN x.channel = 'phone' AND x.state IN ('sent', 'done', 'failed') THEN mod(x.g, 4) ELSE 0 END,
                          x.state IN ('sent', 'done') AND x.channel IN ('email', 'export') AND mod(x.g, 3) = 0,
                          CASE WHEN x.channel = 'sms' AND x.state IN ('sent', 'done') THEN 1 END,
                          CASE WHEN x.channel = 'sms' AND x.state IN ('sent', 'done') THEN 0.05 END,
                          x.bought, CASE WHEN x.bought THEN %(first_event)s + mod(x.g, %(n)s) + 2 * %(n)s END,
                          NOW() AT TIME ZONE 'UTC', NOW() AT TIME ZONE 'UTC'
                     FROM (SELECT g, %(first_partner)s + mod(g, %(n)s) AS partner_id,
                                  (%(step_cycles)s::int[])[1 + mod(g / 7, %(n_steps)s)] AS cycle_id,
                                  (%(step_ids)s::int[])[1 + mod(g / 7, %(n_steps)s)] AS step_id,
                                  (%(step_channels)s::varchar[])[1 + mod(g / 7, %(n_steps)s)] AS channel,
                                  %(today)s::date - mod(g::bigint * 31, 400)::int AS day,
                                  CASE WHEN mod(g / 7, %(n_steps)s) < 3 AND mod(g, 10) = 0 THEN 'skipped'
                                       WHEN mod(g, 50) = 1 THEN 'planned' WHEN mod(g, 50) = 2 THEN 'failed'
                                       WHEN mod(g, 50) = 3 THEN 'skipped' WHEN mod(g, 2) = 0 THEN 'done'
                                       ELSE 'sent' END AS state,
                                  CASE WHEN mod(g / 7, %(n_steps)s) < 3 AND mod(g, 10) = 0 THEN 'holdout'
                                       ELSE 'consent' END AS skip_code,
                                  CASE WHEN mod(g / 7, %(n_steps)s) < 3 AND mod(g, 10) = 0 THEN mod(g, 100) < 15
                                       ELSE mod(g, 4) = 1 END AS bought
                             FROM generate_series(0, %(comms)s - 1) g) x""",
                company=company.id, first_event=first_event, n=n_customers, first_partner=first_partner,
                step_cycles=step_cycles, step_ids=step_ids, step_channels=step_channels, n_steps=n_steps,
                today=today, comms=n_comms))
            cr.execute("ANALYZE")
            cr.commit()
            print("Built %d customers, %d events and %d communications in %.1f s"
                  % (n_customers, n_events, n_comms, time.perf_counter() - t0), flush=True)

        Analysis = env["optical.crm.analysis"]
        arch = Analysis.get_view(env.ref("optical_crm.optical_crm_analysis_view_pivot").id, "pivot")["arch"]
        from lxml import etree
        tree = etree.fromstring(arch)
        measures = ["%s:%s" % (f.get("name"), Analysis._fields[f.get("name")].aggregator)
                    for f in tree.iter("field") if f.get("type") == "measure"] + ["__count"]
        rows = [f.get("name") for f in tree.iter("field") if f.get("type") == "row"]

        this_year = [("date", ">=", today.replace(month=1, day=1)), ("date", "<=", today.replace(month=12, day=31))]

        def default_pivot(domain=this_year):
            env.invalidate_all()
            total = Analysis.read_group(domain, measures, [], lazy=False)
            return total, Analysis.read_group(domain, measures, rows, lazy=False)

        def whole_history():
            return default_pivot([])

        control_arch = etree.fromstring(Analysis.get_view(
            env.ref("optical_crm.optical_crm_analysis_view_pivot_control").id, "pivot")["arch"])
        control_measures = ["%s:%s" % (f.get("name"), Analysis._fields[f.get("name")].aggregator)
                            for f in control_arch.iter("field") if f.get("type") == "measure"]
        control_domain = [("audience", "in", ("contacted", "control"))]

        def control_pivot():
            env.invalidate_all()
            Analysis.read_group(control_domain, control_measures, [], lazy=False)
            return Analysis.read_group(control_domain, control_measures, ["cycle_id"], lazy=False)

        largest = cycles[0]

        def smart_buttons():
            env.invalidate_all()
            return largest.read(["result_contacted", "result_bought", "result_conversion", "result_uplift"])[0]

        how = {}

        def module_pivot(name, domain, measures_, rows_):
            """The pivot as this module's web client asks it: its groupings at
            once (read_group_sets, one pass), or side by side when the server
            answers that one pass would not pay."""
            def ask():
                env.invalidate_all()
                answer = Analysis.read_group_sets(domain, measures_, [[], rows_])
                how[name] = "one pass" if answer is not None else "side by side"
                return answer if answer is not None else side_by_side(registry, domain, measures_, rows_)
            return ask

        def floor():
            cr.execute("SET LOCAL jit = off")
            cr.execute("SET LOCAL work_mem = '64MB'")
            cr.execute("SELECT source, COUNT(DISTINCT partner_id) FROM optical_crm_communication "
                       "WHERE state <> 'cancelled' GROUP BY source")
            return cr.fetchall()

        # (name, times, result) in the order run; a side-by-side line reads as its pivot's twin.
        measured = []
        for name, function in (("Results pivot, default (this year)", default_pivot),
                               ("  as this module's pivot asks it", module_pivot("default", this_year, measures, rows)),
                               ("Results pivot, whole history", whole_history),
                               ("  as this module's pivot asks it", module_pivot("history", [], measures, rows)),
                               ("Control group pivot, per cycle", control_pivot),
                               ("  as this module's pivot asks it",
                                module_pivot("control", control_domain, control_measures, ["cycle_id"])),
                               ("Cycle form smart buttons", smart_buttons),
                               ("floor: bare COUNT(DISTINCT) by source", floor)):
            measured.append((name, *timed(function)))
        results = {name: (times, result) for name, times, result in measured}
        (total, groups) = results["Results pivot, whole history"][1]
        buttons = results["Cycle form smart buttons"][1]
        control = {g["cycle_id"][0]: g for g in results["Control group pivot, per cycle"][1]}
        progressive = control.get(largest.id)
        cr.execute("SELECT count(*) FROM optical_crm_communication")
        n_rows = cr.fetchone()[0]

    print()
    print("communications            %d" % n_rows)
    print("events                    %d" % n_events)
    print("customers                 %d" % n_customers)
    print("customers contacted       %d (of %d rows)" % (total[0]["customer_contacted"], total[0]["__count"]))
    print("rows of the default pivot %s" % ", ".join(str(g[rows[0]]) for g in groups))
    print("largest cycle's buttons   %s contacted, %s bought (%.1f%%), uplift %s"
          % (buttons["result_contacted"], buttons["result_bought"], buttons["result_conversion"],
             buttons["result_uplift"]))
    if progressive:
        print("control group             %s contacted at %.1f%%, %s control at %.1f%%"
              % (progressive["customer_contacted"], progressive["conversion_rate"],
                 progressive["customer_control"], progressive["control_rate"]))
    print()
    with open("/proc/loadavg") as loadavg:
        print("load average              %s (other processes share the cores)" % " ".join(loadavg.read().split()[:3]))
    print("this module's pivot asked   default %(default)s, whole history %(history)s, control %(control)s" % how)
    for name, times, _result in measured:
        print("%-38s cold %.3f s, best %.3f s  (goal < 1 s)" % (name, times[0], min(times)))
    odoo.modules.registry.Registry.delete(db)
    if not options.keep:
        odoo.sql_db.close_all()
        subprocess.run(["dropdb", "-U", "postgres", "--if-exists", db], check=True, env=env_pg)
    return 0


if __name__ == "__main__":
    sys.exit(main())
