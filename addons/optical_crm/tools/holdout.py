"""Control group: which customers a cyclic activity or a campaign holds out.

A customer's place is a number from 0 to 99 drawn from an MD5 hash of the
customer and the cycle or campaign, so the same customer keeps the same place
on every planner run, and raising the percentage only adds the customers
between the old and the new margin. The planner computes the same number in
SQL (``HOLDOUT_BUCKET_SQL`` in the planner); a test holds both together.
"""
import hashlib

HOLDOUT_SCOPES = ("cycle", "campaign")
MAX_HOLDOUT_PERCENT = 50


def holdout_bucket(partner_id, scope, scope_id):
    """The customer's place (0-99) in the cycle's or campaign's draw."""
    if scope not in HOLDOUT_SCOPES:
        raise ValueError("scope must be one of %s, not %r" % (", ".join(HOLDOUT_SCOPES), scope))
    digest = hashlib.md5(("%d:%s:%d" % (partner_id, scope, scope_id)).encode()).hexdigest()
    return int(digest[:8], 16) % 100


def is_held_out(partner_id, scope, scope_id, percent):
    """Whether the customer is in the control group at ``percent`` (0-50)."""
    return holdout_bucket(partner_id, scope, scope_id) < (percent or 0)
