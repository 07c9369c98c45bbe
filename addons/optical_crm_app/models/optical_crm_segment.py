from odoo import fields, models


class OpticalCrmSegment(models.Model):
    """Customers with the app: at least one paired device."""

    _inherit = "optical.crm.segment"

    criterion = fields.Selection(selection_add=[("app_user", "With the app")], ondelete={"app_user": "cascade"})

    def _criterion_domain(self, today):
        if self.criterion == "app_user":
            return [("optical_app_device_ids", "!=", False)]
        return super()._criterion_domain(today)
