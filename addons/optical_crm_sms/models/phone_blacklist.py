from odoo import api, models


class PhoneBlacklist(models.Model):
    """Every change of the phone blacklist (STOP, an entry added or removed
    by hand) updates the SMS status of the customers with that number."""

    _inherit = "phone.blacklist"

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env["res.partner"]._optical_sms_blacklist_changed(records.mapped("number"))
        return records

    def write(self, vals):
        before = self.mapped("number") if {"number", "active"} & set(vals) else []
        result = super().write(vals)
        if before:
            self.env["res.partner"]._optical_sms_blacklist_changed(before + self.mapped("number"))
        return result

    def unlink(self):
        numbers = self.mapped("number")
        result = super().unlink()
        self.env["res.partner"]._optical_sms_blacklist_changed(numbers)
        return result
