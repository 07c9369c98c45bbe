from odoo import fields, models

# Added after core's phone channel (and the SMS channels when installed);
# uninstalling the module removes its steps and communications with the rest
# of its data.
APP_CHANNEL_SELECTION = [("app", "App (Il Mio Ottico)"), ("email",)]
APP_CHANNEL_ONDELETE = {"app": "cascade"}


class OpticalCrmStepMixin(models.AbstractModel):
    _inherit = "optical.crm.step.mixin"

    channel = fields.Selection(selection_add=APP_CHANNEL_SELECTION, ondelete=APP_CHANNEL_ONDELETE)
