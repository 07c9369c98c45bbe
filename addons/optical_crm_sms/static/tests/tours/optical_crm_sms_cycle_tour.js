import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("optical_crm_sms_cycle_tour", {
    steps: () => [
        { trigger: ".o_list_button_add", run: "click" },
        { trigger: ".o_field_widget[name='name'] input", run: "edit Tour birthday wishes" },
        { trigger: ".o_field_widget[name='event_type'] select", run: 'select "birthday"' },
        { trigger: "div[name='step_ids'] .o_field_x2many_list_row_add a", run: "click" },
        { trigger: ".modal .o_field_widget[name='name'] input", run: "edit Birthday SMS" },
        { trigger: ".modal .o_field_widget[name='interval_number'] input", run: "edit 0" },
        { trigger: ".modal .o_field_widget[name='channel'] select", run: 'select "sms_link"' },
        {
            content: "an SMS with link asks for its landing page",
            trigger: ".modal .o_field_widget[name='landing_page_id'] input",
            run: "edit Tour page",
        },
        { trigger: ".o-autocomplete--dropdown-item:contains('Tour page')", run: "click" },
        {
            trigger: ".modal .o_field_widget[name='body'] textarea",
            run: "edit Happy birthday {{ object.first_name }}! A gift for you: {{ object.landing_url }}",
        },
        { trigger: ".modal .o_form_button_save", run: "click" },
        { trigger: "div[name='step_ids'] .o_data_row:contains('Birthday SMS')" },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
    ],
});
