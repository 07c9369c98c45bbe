from markupsafe import Markup

from odoo import api, fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column

from odoo.addons.optical_crm.tools.opt_out import is_opt_out
from odoo.addons.optical_crm.tools.phone import DEFAULT_REGION, normalize_mobile

from ..tools.sms_number import SMS_STATUSES, sms_status


class ResPartner(models.Model):
    _inherit = "res.partner"

    optical_sms_number = fields.Char(
        "SMS number", compute="_compute_optical_sms", store=True, readonly=True, index="btree_not_null",
        help="The mobile number in E.164, read in the country of the customer's shop.")
    optical_sms_status = fields.Selection(
        SMS_STATUSES, "SMS reachability", compute="_compute_optical_sms", store=True, readonly=True, index=True,
        help="Whether the customer's mobile can receive SMS: a valid mobile number, not on the phone blacklist.")

    def _auto_init(self):
        # A database that had this module's partners before the columns: they
        # are filled in one pass per distinct number (``_optical_sms_fill``),
        # not by the ORM's compute partner by partner.
        fill = not column_exists(self.env.cr, self._table, "optical_sms_status")
        if fill:
            create_column(self.env.cr, self._table, "optical_sms_number", "varchar")
            create_column(self.env.cr, self._table, "optical_sms_status", "varchar")
        result = super()._auto_init()
        if fill:
            self._optical_sms_fill()
        return result

    def _optical_sms_region(self):
        """The region the customer's numbers are read in: their shop's country."""
        self.ensure_one()
        return self.optical_shop_id.partner_id.country_id.code or DEFAULT_REGION

    @api.depends("mobile", "optical_shop_id.partner_id.country_id")
    def _compute_optical_sms(self):
        numbers = {partner: normalize_mobile(partner.mobile or "", partner._optical_sms_region())
                   for partner in self}
        blacklisted = self._optical_sms_blacklisted(
            {number.e164 for number in numbers.values() if number.e164 and not number.error})
        for partner, number in numbers.items():
            partner.optical_sms_number = number.e164
            partner.optical_sms_status = sms_status(number, blacklisted)

    @api.model
    def _optical_sms_blacklisted(self, e164_numbers=None):
        """The numbers of ``e164_numbers`` (all when None) on the phone blacklist."""
        if e164_numbers is not None and not e164_numbers:
            return set()
        self.env["phone.blacklist"].flush_model(["number", "active"])
        where = SQL("AND number IN %s", tuple(e164_numbers)) if e164_numbers is not None else SQL()
        self.env.cr.execute(SQL("SELECT number FROM phone_blacklist WHERE active %s", where))
        return {number for (number,) in self.env.cr.fetchall()}

    @api.model
    def _optical_sms_fill(self, partner_ids=None):
        """Set-based ``_compute_optical_sms`` of every partner (or of
        ``partner_ids``): one SELECT, each distinct (mobile, country) read
        once, the rows whose values change written in one UPDATE. For
        partners written behind the ORM's back (a new column, a shop set in
        SQL). Returns the number of partners written."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute(SQL(
            """SELECT co.id, cc.code FROM res_company co JOIN res_partner cp ON cp.id = co.partner_id
                 JOIN res_country cc ON cc.id = cp.country_id"""))
        regions = dict(cr.fetchall())
        blacklisted = self._optical_sms_blacklisted()
        scope = SQL("WHERE id = ANY(%s)", list(partner_ids)) if partner_ids is not None else SQL()
        cr.execute(SQL(
            "SELECT id, mobile, optical_shop_id, optical_sms_number, optical_sms_status FROM res_partner %s", scope))
        changes = []
        for partner_id, mobile, shop_id, old_number, old_status in cr.fetchall():
            number = normalize_mobile(mobile or "", regions.get(shop_id) or DEFAULT_REGION)
            status = sms_status(number, blacklisted)
            if (number.e164, status) != (old_number, old_status):
                changes.append((partner_id, number.e164, status))
        if changes:
            cr.execute(SQL(
                """UPDATE res_partner p SET optical_sms_number = v.e164, optical_sms_status = v.status
                     FROM unnest(%s::int[], %s::varchar[], %s::varchar[]) AS v(id, e164, status)
                    WHERE p.id = v.id""",
                [row[0] for row in changes], [row[1] for row in changes], [row[2] for row in changes]))
            self.invalidate_model(["optical_sms_number", "optical_sms_status"])
        return len(changes)

    @api.model
    def _optical_sms_blacklist_changed(self, numbers):
        """The phone blacklist changed for ``numbers`` (E.164): the customers
        with a valid mobile among them are on it, or off it, again."""
        numbers = tuple({number for number in numbers if number})
        if not numbers:
            return
        self.env["phone.blacklist"].flush_model(["number", "active"])
        self.flush_model(["optical_sms_number", "optical_sms_status"])
        self.env.cr.execute(SQL(
            """UPDATE res_partner p
                  SET optical_sms_status = CASE WHEN EXISTS (SELECT 1 FROM phone_blacklist bl
                                                              WHERE bl.active AND bl.number = p.optical_sms_number)
                                                THEN 'blacklist' ELSE 'ok' END
                WHERE p.optical_sms_number IN %s AND p.optical_sms_status IN ('ok', 'blacklist')""", numbers))
        self.invalidate_model(["optical_sms_status"])

    @api.model
    def _optical_shops_changed(self, partner_ids):
        # Numbers are read in the shop's country.
        result = super()._optical_shops_changed(partner_ids)
        self._optical_sms_fill(partner_ids)
        return result

    @api.model
    def _optical_sms_inbound(self, number, text):
        """An SMS a customer sent to the shop. An opt-out (``STOP``, ``STOP
        SMS``, ``ANNULLA``, ``BASTA``…: core's ``tools/opt_out.py``) puts the number
        on Odoo's phone blacklist, cancels the SMS still queued for it,
        revokes the SMS consent of the customers with that number and notes
        it in their chatter; any other text is noted in their chatter.
        Returns ``(is_stop, customers)``."""
        e164 = self._optical_inbound_e164(number)
        if not e164:
            raise ValueError("from: %r is not a phone number" % number)
        partners = self.sudo().with_context(active_test=False).search([
            "|", ("phone_sanitized", "=", e164), ("mobile", "=", e164),
        ])
        partners |= self._optical_search_by_number(e164, partners)
        is_stop = is_opt_out(text)
        if is_stop:
            # sudo: the gateway's callback is public; the list is the product's own bookkeeping.
            blacklist = self.env["phone.blacklist"].sudo()
            message = self.env._("STOP received by SMS")
            # Two STOPs for one number may arrive at once.
            self.env["optical.crm.blacklist"]._add_once(
                blacklist, "number", e164, lambda: blacklist._add([e164], message=message))
            self.env["sms.sms"].sudo().search([
                ("number", "=", e164), ("state", "=", "outgoing"), ("optical_communication_id", "!=", False),
            ])._optical_cancel("sms_blacklist", "blacklist", self.env._("STOP received by SMS"))
            partners.write({"optical_consent_sms": False})
            body = Markup("<p>%s</p>") % self.env._(
                "STOP received by SMS from %(number)s: the number is on the phone blacklist and the SMS "
                "consent is revoked.", number=e164)
        else:
            body = Markup("<p>%s</p><p>%s</p>") % (self.env._("SMS received from %(number)s:", number=e164), text)
        for partner in partners:
            partner.message_post(body=body, message_type="comment", subtype_xmlid="mail.mt_note")
        # Kept whoever sent it: a text from an unknown number is stored here only.
        companies = partners.optical_shop_id
        self.env["optical.crm.sms.inbound"].sudo().create({
            "number": e164, "text": text, "is_stop": is_stop, "partner_ids": partners.ids, "known": bool(partners),
            "company_id": companies.id if len(companies) == 1 else False,
        })
        return is_stop, partners

    @api.model
    def _optical_inbound_e164(self, number):
        """Gateways send international numbers, often as an MSISDN (without
        the "+"); a national one is read in the countries of the shops, the
        first that makes it a valid number wins, else the number is read as
        an MSISDN."""
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all  # every shop: a handful of rows
        for country_code in dict.fromkeys(companies.mapped(lambda c: c._optical_sms_country_code())):
            if e164 := normalize_mobile(number, country_code).e164:
                return e164
        number = (number or "").strip()
        if number and not number.startswith("+"):
            return normalize_mobile("+" + number).e164
        return None

    @api.model
    def _optical_search_by_number(self, e164, found):
        """Customers whose mobile, as typed, reads as ``e164`` (no prefix, spaces…)."""
        digits = e164[-9:]
        candidates = self.sudo().with_context(active_test=False).search([
            ("mobile", "!=", False), ("id", "not in", found.ids), ("phone_mobile_search", "ilike", digits),
        ]) if len(digits) >= 6 else self.browse()
        return candidates.filtered(lambda p: normalize_mobile(
            p.mobile, (p.optical_shop_id or self.env.company)._optical_sms_country_code()).e164 == e164)
