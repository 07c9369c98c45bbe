import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("optical_crm_placeholder_tour", {
    steps: () => [
        { trigger: ".o_list_button_add", run: "click" },
        { trigger: ".o_field_widget[name='name'] input", run: "edit Tour check-up" },
        { trigger: ".o_field_widget[name='event_type'] select", run: 'select "optometry"' },
        { trigger: "div[name='step_ids'] .o_field_x2many_list_row_add a", run: "click" },
        { trigger: ".modal .o_field_widget[name='name'] input", run: "edit Check-up call" },
        { trigger: ".modal .o_field_widget[name='body'] textarea", run: "edit Ciao" },
        { trigger: ".modal .o_field_widget[name='body'] button[title='Insert Field']", run: "click" },
        {
            content: "the customer's data the texts may show, computed ones included",
            trigger: ".o_model_field_selector_popover_item_name:contains('Event date (text)')",
        },
        {
            content: "and nothing else of the customer (the phone is not a placeholder)",
            trigger: ".o_model_field_selector_popover:not(:has(.o_model_field_selector_popover_item_name:contains('Mobile')))",
        },
        { trigger: ".o_model_field_selector_popover_item_name:contains('First Name')", run: "click" },
        { trigger: ".o_model_field_selector_popover button:contains('Insert')", run: "click" },
        { trigger: ".modal .o_form_button_save", run: "click" },
        { trigger: "div[name='step_ids'] .o_data_row:contains('Check-up call')" },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
    ],
});
