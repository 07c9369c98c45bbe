import { registry } from "@web/core/registry";
import { assertNotCut, fail, screenshot } from "./optical_crm_shop_day_tour";

/** Customers to contact: today's day open, its badges and channels whole, a facet that does not repeat
 * itself; the customer card names the mobile as the lists do; export with nothing chosen downloads and
 * closes. */
registry.category("web_tour.tours").add("optical_crm_shop_words_tour", {
    steps: () => [
        { trigger: "[data-menu-xmlid='optical_crm.optical_crm_menu_contacts']", run: "click" },
        { trigger: "[data-menu-xmlid='optical_crm.optical_crm_communication_menu_to_contact']", run: "click" },
        {
            content: "today's day is open (a closed group shows no row): its open call listed",
            trigger: ".o_optical_to_contact_list .o_data_row:contains('Words Mario Rossi')",
        },
        {
            content: "badges and channels are whole; the facet does not say the same word twice",
            trigger: ".o_optical_to_contact_list .o_data_row td[name='contact_status'] .badge",
            run() {
                for (const row of document.querySelectorAll(".o_optical_to_contact_list .o_data_row")) {
                    const badge = row.querySelector("td[name='contact_status'] .badge");
                    assertNotCut(badge, `the badge ${badge.textContent}`);
                    const channel = row.querySelector("td[name='channel']");
                    assertNotCut(channel, `the channel ${channel.textContent}`);
                }
                for (const facet of document.querySelectorAll(".o_searchview_facet")) {
                    const parts = facet.querySelector(".o_facet_values").textContent.split(":").map((p) => p.trim());
                    if (parts.length === 2 && parts[0] === parts[1]) {
                        fail(`the facet repeats itself: ${facet.textContent}`);
                    }
                }
            },
        },
        // The mobile is named on the card as in the customers' list.
        { trigger: "[data-menu-xmlid='optical_crm.optical_crm_menu_contacts']", run: "click" },
        { trigger: "[data-menu-xmlid='optical_crm.res_partner_menu_optical_customers']", run: "click" },
        {
            trigger: ".o_list_view th[data-name='mobile']",
            run() {
                window.__opticalMobileLabel = document.querySelector(".o_list_view th[data-name='mobile']").textContent.trim();
            },
        },
        { trigger: ".o_searchview_input", run: "edit Words Mario" },
        { trigger: ".o_searchview_input", run: "press Enter" },
        { trigger: ".o_data_row td[name='name']:contains('Words Mario Rossi')", run: "click" },
        {
            content: "the card's mobile label is the list's",
            trigger: ".o_form_view label[for='mobile_0']",
            run() {
                const label = document.querySelector(".o_form_view label[for='mobile_0']").textContent.trim();
                if (label !== window.__opticalMobileLabel) {
                    fail(`the card says "${label}", the list "${window.__opticalMobileLabel}"`);
                }
            },
        },
        ...screenshot("customer_card", ".o_form_view label[for='mobile_0']"),
        // Export with nothing chosen: everyone to contact, downloaded, the dialog closed.
        { trigger: "[data-menu-xmlid='optical_crm.optical_crm_menu_contacts']", run: "click" },
        { trigger: "[data-menu-xmlid='optical_crm.optical_crm_export_wizard_menu']", run: "click" },
        { trigger: ".modal div[name='cycle_id'] input[placeholder]" },
        { content: "export (a verb)", trigger: ".modal button[name='action_export']", run: "click" },
        {
            content: "the dialog closes, no error",
            trigger: ".o_action_manager:not(:has(.modal)):not(:has(.o_error_dialog))",
            run() {
                if (document.querySelector(".o_error_dialog, .o_dialog .modal")) {
                    fail("a dialog is still open");
                }
            },
        },
    ],
});

/** The owner's campaign step with alternatives, stop conditions and one message per household, for the
 * readme. */
registry.category("web_tour.tours").add("optical_crm_relevance_tour", {
    steps: () => [
        { trigger: ".o_form_view div[name='one_per_household'] input:checked" },
        { content: "the reach, counted in households", trigger: ".o_notebook a[name='target']", run: "click" },
        { trigger: ".o_form_view div[name='reach_html'] table" },
        ...screenshot("campaign_household", ".o_form_view div[name='reach_html'] table"),
        { trigger: ".o_notebook a[name='steps']", run: "click" },
        { trigger: ".o_form_view div[name='step_ids'] .o_data_row td[name='name']", run: "click" },
        {
            content: "the step's alternatives and stop conditions",
            trigger: ".modal div[name='fallback_ids'] .o_data_row",
        },
        { trigger: ".modal div[name='stop_event_type_ids'] .o_tag" },
        {
            content: "the dialog is named for one step",
            trigger: ".modal .modal-title",
            run() {
                const title = document.querySelector(".modal .modal-title").textContent;
                if (/Steps|Passi/.test(title)) {
                    fail(`the step dialog is titled "${title}"`);
                }
            },
        },
        ...screenshot("step_fallback_stop", ".modal div[name='fallback_ids'] .o_data_row"),
    ],
});
