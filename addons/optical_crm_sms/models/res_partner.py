from markupsafe import Markup

from odoo import api, models

from odoo.addons.optical_crm.tools.opt_out import is_opt_out
from odoo.addons.optical_crm.tools.phone import normalize_mobile


class ResPartner(models.Model):
    _inherit = "res.partner"

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
        """Gateways send international numbers; a national one is read in the
        countries of the shops, the first that makes it a valid number wins."""
        companies = self.env["res.company"].sudo().search([])  # pylint: disable=no-search-all  # every shop: a handful of rows
        for country_code in dict.fromkeys(companies.mapped(lambda c: c._optical_sms_country_code())):
            if e164 := normalize_mobile(number, country_code).e164:
                return e164
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
