import logging

import psycopg2

from odoo import fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

FISCAL_CODE_INDEX = "res_partner_optical_fiscal_code_company_uniq"


class ResPartner(models.Model):
    _inherit = "res.partner"

    optical_fiscal_code = fields.Char(
        "Fiscal code", index="btree_not_null", copy=False,
        help="Italian fiscal code (codice fiscale); FOCUS customers with the same one are the same person.",
    )
    optical_focus_record_ids = fields.One2many("optical.focus.record", "partner_id", "FOCUS records")

    def init(self):
        super().init()
        # FOCUS matches a new customer by mobile or e-mail in the shop
        # (``optical.focus.record._match_partners``): indexed, so that a batch
        # costs the same against 500 customers as against 500,000.
        self.env.cr.execute("CREATE INDEX IF NOT EXISTS res_partner_optical_mobile_idx ON res_partner (mobile)")
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS res_partner_optical_email_lower_idx ON res_partner (lower(email))")
        # The database itself refuses a second live customer with the same
        # fiscal code in a shop, whatever writes it (two FOCUS stores of the
        # shop at once, an import, a person). Customers without a company are
        # not constrained: which shop they belong to is not known here.
        self.env.cr.execute(SQL("SELECT 1 FROM pg_indexes WHERE indexname = %s", FISCAL_CODE_INDEX))
        if self.env.cr.fetchone():
            return
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL(
                    """CREATE UNIQUE INDEX %s ON res_partner (company_id, optical_fiscal_code)
                        WHERE active AND optical_fiscal_code IS NOT NULL AND company_id IS NOT NULL""",
                    SQL.identifier(FISCAL_CODE_INDEX)))
        except psycopg2.IntegrityError:
            _logger.warning(
                "Customers of a shop share a fiscal code: merge them (Contacts > Merge), then update "
                "optical_focus_sync to let the database refuse new duplicates.")
