from odoo import api, models
from odoo.tools import SQL

# The customer's place (0-99) in the draw of a cycle or campaign, in SQL: the
# twin of tools.holdout.holdout_bucket (MD5 of "partner:scope:id", first 32
# bits, modulo 100); tests hold both together.
HOLDOUT_BUCKET_SQL = "mod(('x' || substr(md5(%s::text || ':' || %s || ':' || %s::text), 1, 8))::bit(32)::bigint, 100)"


def holdout_bucket_sql(partner, scope, scope_id):
    """SQL expression of the customer's place in the draw (see tools.holdout)."""
    return SQL(HOLDOUT_BUCKET_SQL, partner, scope, scope_id)


class OpticalCrmCommunicationHoldout(models.Model):
    """Control group: a share of each cycle's and campaign's customers is held
    out (skipped with code ``holdout``), so the analysis can compare them with
    the contacted customers and measure what the contact caused."""

    _inherit = "optical.crm.communication"

    @api.model
    def _holdout_skip_conditions(self):
        """The control-group rule, as ``_skip_conditions`` triples. It is
        evaluated after every other rule: a customer the shop could not have
        contacted anyway (no consent, no channel) is not in the control group,
        so both groups hold the same kind of customers."""
        reason = self.env._("Control group: held out to measure what the contact causes")
        return [
            (SQL("""c.%(column)s IS NOT NULL AND EXISTS (
                        SELECT 1 FROM %(table)s h
                         WHERE h.id = c.%(column)s AND h.holdout_percent > 0 AND %(bucket)s < h.holdout_percent)""",
                 column=SQL.identifier(column), table=SQL.identifier(table),
                 bucket=holdout_bucket_sql(SQL("c.partner_id"), scope, SQL("c.%s", SQL.identifier(column)))),
             "holdout", reason)
            for scope, table, column in (("cycle", "optical_crm_cycle", "cycle_id"),
                                         ("campaign", "optical_crm_campaign", "campaign_id"))
        ]
