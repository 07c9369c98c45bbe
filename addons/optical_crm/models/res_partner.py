from odoo import api, fields, models

CONSENT_FIELDS = ("optical_consent_marketing", "optical_consent_sms", "optical_consent_app")


class ResPartner(models.Model):
    _inherit = "res.partner"

    birthdate = fields.Date("Birth date", index=True)
    optical_first_name = fields.Char(
        "First name", help="Used to address the customer personally; the first word of the name when empty."
    )
    optical_consent_marketing = fields.Boolean(
        "Marketing consent", help="The customer accepts promotional contacts (calls, e-mail, letters)."
    )
    optical_consent_sms = fields.Boolean("SMS consent", help="The customer accepts promotional SMS.")
    optical_consent_app = fields.Boolean(
        "App consent", help="The customer accepts promotional messages in the shop's app."
    )
    optical_event_ids = fields.One2many("optical.crm.event", "partner_id", "Trigger events")
    optical_communication_ids = fields.One2many("optical.crm.communication", "partner_id", "Communications")
    optical_communication_count = fields.Integer(compute="_compute_optical_communication_count")

    @api.depends("optical_communication_ids")
    def _compute_optical_communication_count(self):
        counts = dict(
            self.env["optical.crm.communication"]._read_group(
                [("partner_id", "in", self.ids)], ["partner_id"], ["__count"]
            )
        )
        for partner in self:
            partner.optical_communication_count = counts.get(partner._origin, 0)

    def write(self, vals):
        res = super().write(vals)
        if any(field in vals for field in CONSENT_FIELDS) or vals.get("active") is False:
            self.env["optical.crm.communication"]._apply_rules_for_partners(self)
        return res

    def _optical_first_name(self):
        self.ensure_one()
        return self.optical_first_name or (self.name or "").split(" ")[0]

    def action_view_optical_communications(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optical_crm.optical_crm_communication_action")
        action["domain"] = [("partner_id", "=", self.id)]
        action["context"] = {"default_partner_id": self.id}
        return action
