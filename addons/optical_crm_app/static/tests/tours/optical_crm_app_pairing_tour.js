import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("optical_crm_app_pairing_tour", {
    steps: () => [
        { trigger: "[data-menu-xmlid='optical_crm.optical_crm_menu_contacts']", run: "click" },
        { trigger: "[data-menu-xmlid='optical_crm.res_partner_menu_optical_customers']", run: "click" },
            { content: "the Customers list is open", trigger: ".o_list_view th[data-name='city']" },
        {
            content: "search the customer by mobile number",
            trigger: ".o_searchview_input",
            run: "edit 3471234567",
        },
        { trigger: ".o_searchview_autocomplete .o_menu_item:first", run: "click" },
        { trigger: ".o_searchview_facet" },
        { trigger: ".o_data_row:contains('Tour Elena Costa') .o_data_cell[name='name']", run: "click" },
        {
            content: "the customer's card shows the app section",
            trigger: ".o_form_view button[name='action_optical_app_pairing']",
            run: "click",
        },
        {
            content: "the pairing code is shown with its QR code",
            trigger: ".modal .o_field_widget[name='pairing_code']:not(:empty)",
        },
        { trigger: ".modal .o_field_widget[name='qr_image'] img" },
        {
            content: "the validity reads as one sentence on one line",
            trigger: ".modal .o_field_widget[name='validity']:contains('Valid once, until')",
            run() {
                const text = this.anchor.textContent.trim();
                const lineHeight = parseFloat(getComputedStyle(this.anchor).lineHeight) || 24;
                if (!text.endsWith(".") || this.anchor.getBoundingClientRect().height > 1.5 * lineHeight) {
                    console.error(`the validity is broken over lines: "${text}"`);
                    throw new Error("validity over several lines");
                }
            },
        },
    ],
});
