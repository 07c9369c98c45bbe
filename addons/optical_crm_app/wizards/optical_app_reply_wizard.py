from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html


class OpticalAppReplyWizard(models.TransientModel):
    """*Reply* on a message the customer wrote in the app: the reply is posted
    in the customer's chatter as the user (so everyone sees it) and reaches the
    app's chat, the channel the customer wrote from. Nobody is e-mailed."""

    _name = "optical.app.reply.wizard"
    _description = "Reply in the app chat"

    message_id = fields.Many2one("optical.app.message", required=True)
    partner_id = fields.Many2one(related="message_id.partner_id")
    question = fields.Text("The customer wrote", related="message_id.body")
    body = fields.Text("Reply", required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if "message_id" in fields_list and not values.get("message_id") \
                and self.env.context.get("active_model") == "optical.app.message":
            values["message_id"] = self.env.context.get("active_id")
        return values

    def action_send(self):
        self.ensure_one()
        partner = self.message_id.partner_id
        # Posting in the chatter needs the right to write on the customer: the user's own rights.
        partner.check_access(partner._mail_post_access)
        text = (self.body or "").strip()
        if not text:
            raise UserError(self.env._("Reply: write the answer to %(customer)s.", customer=partner.display_name))
        # A shop assistant often has no e-mail address: the reply goes to the app, the shop's address
        # (else the user's name) only signs the chatter message.
        user = self.env.user
        shop = partner.optical_shop_id or self.env.company
        partner.with_context(mail_post_autofollow=False).message_post(
            body=plaintext2html(text), message_type="comment", subtype_xmlid="mail.mt_comment", partner_ids=[],
            author_id=user.partner_id.id, email_from=user.email_formatted or shop.email_formatted or user.name)
        return {"type": "ir.actions.act_window_close"}
