import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("optical_crm_step_preview_tour", {
    steps: () => [
        { trigger: "div[name='step_ids'] .o_data_row:contains('Tour welcome call') td.o_data_cell", run: "click" },
        { trigger: ".modal button[name='action_preview']", run: "click" },
        { trigger: ".modal .o_field_widget[name='partner_id'] input", run: "edit Tour Lucia" },
        { trigger: ".o-autocomplete--dropdown-item a:contains('Tour Lucia Bianchi')", run: "click" },
        {
            content: "the step as the customer gets it, her language and shop",
            trigger: ".modal .o_field_widget[name='subject']:contains('Ciao Tour')",
        },
        { content: "the e-mail in the shop's layout", trigger: ".modal .o_field_widget[name='body_html'] iframe" },
        { trigger: ".modal button[name='action_send_test']", run: "click" },
        { trigger: ".o_notification:contains('anna@tour.example')" },
    ],
});
