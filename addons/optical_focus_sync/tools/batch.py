"""'The batch at once, else record by record': the one mechanism of every
FOCUS path (the route, the import wizard, the waiting records a customer
releases, a person's retry) for work that Odoo or the database may refuse
for one record of a batch. No Odoo import: it takes the cursor.

The batch runs in a savepoint; should anything refuse it, the savepoint is
undone and every item runs again in a savepoint of its own, so that only the
item that fails is lost (and reported). A concurrency error
(``psycopg2.OperationalError``: a serialisation failure, a deadlock) is never
caught: Odoo retries the whole request on a fresh snapshot.
"""
import psycopg2


def first_line(error):
    """The first line of what ``error`` says, for a reason shown to a person."""
    return (str(error).strip().splitlines() or [""])[0]


def attempt(cr, method, *args, logger, message, log_args=()):
    """``method(*args)`` in a savepoint: ``(result, None)``, or ``(None,
    error)`` when it was refused, undone and logged with ``message``."""
    try:
        with cr.savepoint():
            return method(*args), None
    except psycopg2.OperationalError:
        raise  # concurrency: Odoo retries the whole request
    except Exception as error:  # noqa: BLE001 - whatever it is, the valid records must not be lost
        logger.warning(message, *log_args, exc_info=True)
        return None, error


def batch_else_one_by_one(cr, items, batch, one, refused, *, logger, what):
    """``batch(items)`` in a savepoint; should it be refused,
    ``one(item)`` for every item in its own savepoint, and ``refused(item,
    error)`` (after the savepoint is undone) for an item refused again.

    Returns ``(True, result of batch)``, or ``(False, [result of one or of
    refused, for each item in order])``. ``what`` names the items in the log."""
    result, error = attempt(cr, batch, items, logger=logger, log_args=(len(items), what),
                            message="FOCUS: a batch of %s %s was refused as a whole, taking them one by one")
    if error is None:
        return True, result
    results = []
    for item in items:
        result, error = attempt(cr, one, item, logger=logger, log_args=(what,),
                                message="FOCUS: one of the %s was refused")
        results.append(result if error is None else refused(item, error))
    return False, results
