from odoo import fields, models

from odoo.addons.optical_crm.tools.channels import ondelete, selection

from ..tools.channels import APP

# Added after core's phone channel (and the SMS channels when installed);
# uninstalling the module removes its steps and communications with the rest
# of its data.
APP_CHANNEL_SELECTION = [*selection(APP), ("email",)]
APP_CHANNEL_ONDELETE = ondelete(APP)


class OpticalCrmStepMixin(models.AbstractModel):
    _inherit = "optical.crm.step.mixin"

    channel = fields.Selection(selection_add=APP_CHANNEL_SELECTION, ondelete=APP_CHANNEL_ONDELETE)
