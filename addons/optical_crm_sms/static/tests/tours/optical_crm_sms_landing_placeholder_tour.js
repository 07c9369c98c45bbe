import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("optical_crm_sms_landing_placeholder_tour", {
    steps: () => [
        { trigger: ".o_list_button_add, .o-kanban-button-new", run: "click" },
        { trigger: ".o_field_widget[name='name'] input", run: "edit Tour gift" },
        { trigger: ".o_field_widget[name='title'] input", run: "edit Ciao" },
        { trigger: ".o_field_widget[name='title'] button[title='Insert Field']", run: "click" },
        {
            content: "the page shows the first name and the shop, nothing else of the customer",
            trigger: ".o_model_field_selector_popover:has(.o_model_field_selector_popover_item_name:contains('Shop')):not(:has(.o_model_field_selector_popover_item_name:contains('Display Name')))",
        },
        { trigger: ".o_model_field_selector_popover_item_name:contains('First name')", run: "click" },
        { trigger: ".o_model_field_selector_popover button:contains('Insert')", run: "click" },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
    ],
});
