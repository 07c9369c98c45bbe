import base64
from email.utils import formataddr

from markupsafe import Markup

from odoo import api, fields, models, tools
from odoo.tools import plaintext2html

from ..tools.http_api import same_secret

# A transparent 1x1 GIF, the open-tracking pixel (the one Odoo's mailings use).
TRACKING_PIXEL = base64.b64decode(b"R0lGODlhAQABAIAAANvf7wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==")


class OpticalCrmCommunicationEmail(models.Model):
    """The ``email`` channel: the step's rich text rendered per customer, in the
    shop's layout (logo, colours, address), with a personal unsubscribe link
    (Odoo's ``mail.blacklist``) and an open-tracking pixel, the way Odoo's
    mass mailing does it (HMAC token per recipient, one-click List-Unsubscribe)."""

    _inherit = "optical.crm.communication"

    body_html = fields.Html("E-mail as sent", sanitize=False, readonly=True, copy=False,
                            help="The e-mail as sent, in the shop's layout.")

    # ------------------------------------------------------------------
    # Tokens and links
    # ------------------------------------------------------------------

    @api.model
    def _email_token(self, communication_id):
        return tools.hmac(self.env(su=True), "optical_crm-email", communication_id)

    def _email_check_token(self, token):
        """Whether ``token`` is this communication's e-mail token (constant time)."""
        self.ensure_one()
        return same_secret(str(token), self._email_token(self.id))

    def _email_url(self, action):
        self.ensure_one()
        return "%s/optical_crm/email/%s/%s/%s" % (
            self.get_base_url(), self.id, self._email_token(self.id), action)

    def _email_sender(self):
        """``"Name" <address>`` the customer sees: the campaign's sender name
        when it has one, else the shop's name, at the shop's address."""
        self.ensure_one()
        company = self.company_id
        name = self.campaign_id.sender_name or company.name
        address = company.email or self.env.user.email
        return formataddr((name, address)) if address else False

    # ------------------------------------------------------------------
    # Rendering
    # ------------------------------------------------------------------

    def _rendered_email_bodies(self):
        """{id: HTML body}: the step's rich e-mail text (a QWeb template, with
        images) rendered in the customer's language; the plain text turned
        into HTML when the step has none."""
        result = {}
        for step_field in ("cycle_step_id", "campaign_step_id"):
            for step, communications in self.filtered(step_field).grouped(step_field).items():
                if tools.is_html_empty(step.body_html):
                    continue
                rendered = communications._render_step_field(step, "body_html")
                result.update({cid: body for cid, body in rendered.items() if not tools.is_html_empty(body)})
        for communication in self.filtered(lambda c: c.id not in result):
            result[communication.id] = plaintext2html(communication.body or "")
        return result

    def _render_email_layout(self, bodies):
        """{id: full HTML} of each e-mail in its shop's layout."""
        return {
            communication.id: self._email_layout(
                communication.company_id, communication.partner_id._optical_lang(), communication.subject,
                bodies[communication.id], communication._email_url("unsubscribe"),
                communication._email_url("open.gif"), context_record=communication)
            for communication in self
        }

    @api.model
    def _email_layout(self, company, lang, subject, body, unsubscribe_url, tracking_url, context_record=None):
        """The e-mail ``body`` in ``company``'s layout, in ``lang`` (the
        sender's e-mails and a step's preview and test send alike)."""
        # The shop's address without the blank lines of its empty parts.
        address = "\n".join(line for line in (company.partner_id._display_address(without_company=True) or "")
                             .splitlines() if line.strip())
        return self.env["mail.render.mixin"]._render_encapsulate(
            "optical_crm.email_layout", Markup(body),
            add_context={
                "company": company,
                "subject": subject,
                "address": address,
                "unsubscribe_url": unsubscribe_url,
                "tracking_url": tracking_url,
                "lang": lang,
                # A BCP 47 language tag (it-IT), not Odoo's code (it_IT).
                "lang_tag": (lang or "").replace("_", "-"),
            },
            context_record=context_record,
        )

    def _email_values(self):
        """``mail.mail`` values of each communication (texts already rendered)."""
        bodies = self._render_email_layout(self._rendered_email_bodies())
        self._write_per_row(["body_html"], [(c.id, bodies[c.id]) for c in self])
        return [{
            "subject": communication.subject,
            "body_html": bodies[communication.id],
            "recipient_ids": [(4, communication.partner_id.id)],
            "email_from": communication._email_sender() or self.env.user.email_formatted,
            "model": "res.partner",
            "res_id": communication.partner_id.id,
            "auto_delete": False,
            # One-click unsubscribe from the mail client (RFC 8058), as Odoo's mailings do.
            "headers": repr({
                "List-Unsubscribe": "<%s>" % communication._email_url("unsubscribe"),
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                "Precedence": "list",
                "X-Auto-Response-Suppress": "OOF",
            }) if communication.purpose == "marketing" else False,
        } for communication in self]

    # ------------------------------------------------------------------
    # What the customer does with the e-mail
    # ------------------------------------------------------------------

    def _email_opened(self):
        """The tracking pixel was loaded: the e-mail counts as opened."""
        self.filtered(lambda c: not c.opened).write({"opened": True, "opened_date": fields.Datetime.now()})

    def _email_unsubscribe(self):
        """Put the customer's address on Odoo's e-mail blacklist: it revokes
        their e-mail consent, and their pending marketing e-mails are skipped."""
        self.ensure_one()
        partner = self.partner_id
        email = partner.email_normalized or tools.email_normalize(partner.email or "")
        if not email:
            return False
        origin = self.campaign_id.name or self.cycle_id.name or ""
        # sudo: the unsubscribe link is public; the list is the product's own bookkeeping.
        blacklist = self.env["mail.blacklist"].sudo()
        message = self.env._("Unsubscribed through the link in the e-mail of %(origin)s", origin=origin)
        self.env["optical.crm.blacklist"]._add_once(
            blacklist, "email", email, lambda: blacklist._add(email, message=message))
        partner.sudo().message_post(
            body=self.env._("%(email)s unsubscribed from e-mails (link in the e-mail of %(origin)s).",
                            email=email, origin=origin),
            message_type="comment", subtype_xmlid="mail.mt_note")
        self._apply_rules_for_partners(partner.sudo().search([("email_normalized", "=", email)]))
        return True
