from markupsafe import Markup, escape

from odoo import api, fields, models


class OpticalCrmCommunication(models.Model):
    """A step that asks for a rating gives each communication its own answer
    in Odoo's survey (``survey.user_input``, partner and communication set)
    and puts its personal link in the text, whatever the channel."""

    _inherit = "optical.crm.communication"

    survey_user_input_id = fields.Many2one(
        "survey.user_input", "Rating asked", ondelete="set null", copy=False, readonly=True,
        index="btree_not_null")
    survey_state = fields.Selection(related="survey_user_input_id.state", string="Rating")
    survey_url = fields.Char("Rating link", compute="_compute_survey_url",
                             help="In a step's text: {{ object.survey_url }}.")

    @api.depends("survey_user_input_id")
    def _compute_survey_url(self):
        base_url = self[:1].get_base_url() if self else ""
        for communication in self:
            answer = communication.sudo().survey_user_input_id
            communication.survey_url = base_url + answer.get_start_url() if answer else False

    @api.model
    def mail_allowed_qweb_expressions(self):
        return super().mail_allowed_qweb_expressions() + ("object.survey_url",)

    def _survey_step(self):
        self.ensure_one()
        return self.cycle_step_id or self.campaign_step_id

    def _assign_survey_answers(self):
        """One survey answer per communication whose step asks for a rating,
        created once: a text rendered again keeps the same link."""
        pending = self.filtered(lambda c: not c.survey_user_input_id and c._survey_step().survey_id)
        if not pending:
            return
        # Shop staff send; the survey answer is the customer's, created for them.
        answers = self.env["survey.user_input"].sudo().create([{
            "survey_id": communication._survey_step().survey_id.id,
            "partner_id": communication.partner_id.id,
            "email": communication.partner_id.email,
            "optical_communication_id": communication.id,
        } for communication in pending])
        self._write_per_row(["survey_user_input_id"], [(c.id, a.id) for c, a in zip(pending, answers, strict=True)])

    def _rendered_texts(self):
        self._assign_survey_answers()
        result = super()._rendered_texts()
        for communication in self.filtered("survey_user_input_id"):
            subject, body = result.get(communication.id, (communication.subject, communication.body))
            url = communication.survey_url
            if url and url not in (body or ""):
                # No {{ object.survey_url }} in the step's text: the link is appended.
                result[communication.id] = (subject, ("%s %s" % (body or "", url)).strip())
        return result

    def _rendered_email_bodies(self):
        self._assign_survey_answers()
        bodies = super()._rendered_email_bodies()
        for communication in self.filtered("survey_user_input_id"):
            url = communication.survey_url
            body = bodies.get(communication.id) or ""
            if url and url not in body:
                bodies[communication.id] = Markup("%s<p><a href=\"%s\">%s</a></p>") % (
                    Markup(body), url, escape(self.env._("Tell us how it went")))
        return bodies
