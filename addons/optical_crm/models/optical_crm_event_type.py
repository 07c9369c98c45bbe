from odoo import fields, models

from .optical_crm_event import EVENT_TYPES


class OpticalCrmEventType(models.Model):
    """One record per trigger event key, so that a step can name the events
    that make it pointless (its stop conditions). Shared by every shop and
    written by the module's data only: the keys are the events FOCUS sends."""

    _name = "optical.crm.event.type"
    _description = "Trigger event type"
    _order = "sequence, id"
    _rec_name = "name"

    name = fields.Char(required=True, translate=True)
    code = fields.Selection(EVENT_TYPES, required=True, readonly=True)
    sequence = fields.Integer(default=10)

    _sql_constraints = [
        ("code_uniq", "UNIQUE (code)", "There is one event type per kind of event."),
    ]
