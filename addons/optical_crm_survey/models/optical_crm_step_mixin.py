from odoo import api, fields, models
from odoo.exceptions import ValidationError

SURVEY_PLACEHOLDER = "{{ object.survey_url }}"


class OpticalCrmStepMixin(models.AbstractModel):
    _inherit = "optical.crm.step.mixin"

    survey_id = fields.Many2one(
        "survey.survey", "Ask for a rating", ondelete="restrict",
        help="An Odoo survey sent with the message: each customer gets a personal link "
        "({{ object.survey_url }}, added at the end of the text when the text does not place it) and "
        "their answers show in Analysis › Satisfaction.",
    )

    @api.constrains("survey_id", "channel")
    def _check_survey_channel(self):
        for step in self:
            if step.survey_id and step.channel == "phone":
                raise ValidationError(self.env._(
                    "Ask for a rating: step %(step)s is a phone callback, which cannot carry a survey link; "
                    "use an SMS, an app message or an e-mail.", step=step.name))
