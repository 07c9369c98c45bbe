"""The steps' list and form are views of their own (views/optical_crm_step_views.xml): the views
that extended the steps inside the cyclic activity and campaign forms would no longer apply to
those forms, and are removed before the forms are updated."""

# Extensions of an extension first: a view's parent cannot go before it.
OLD_STEP_VIEWS = [
    ("optical_crm_app_sms", "optical_crm_cycle_view_form"),
    ("optical_crm_app_sms", "optical_crm_campaign_view_form"),
    ("optical_crm_sms", "optical_crm_cycle_view_form"),
    ("optical_crm_sms", "optical_crm_campaign_view_form"),
    ("optical_crm_survey", "optical_crm_cycle_view_form"),
    ("optical_crm_survey", "optical_crm_campaign_view_form"),
    ("optical_crm_whatsapp", "optical_crm_cycle_view_form"),
    ("optical_crm_whatsapp", "optical_crm_campaign_view_form"),
    ("optical_crm", "optical_crm_cycle_view_form_stop"),
    ("optical_crm", "optical_crm_campaign_view_form_stop"),
    ("optical_crm", "optical_crm_cycle_view_form_preview"),
    ("optical_crm", "optical_crm_campaign_view_form_preview"),
]


def migrate(cr, version):
    for module, name in OLD_STEP_VIEWS:
        cr.execute(
            "DELETE FROM ir_model_data WHERE module = %s AND name = %s AND model = 'ir.ui.view' RETURNING res_id",
            (module, name))
        view_ids = [row[0] for row in cr.fetchall()]
        if view_ids:
            cr.execute("DELETE FROM ir_ui_view WHERE id IN %s", (tuple(view_ids),))
