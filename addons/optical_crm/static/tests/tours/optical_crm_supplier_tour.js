import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("optical_crm_supplier_campaign_tour", {
    steps: () => [
        // The menu is there: a supplier campaign is offered to the owner's shop.
        { trigger: "[data-menu-xmlid='optical_crm.optical_crm_menu_planning']", run: "click" },
        { trigger: "[data-menu-xmlid='optical_crm.optical_crm_campaign_menu_supplier']", run: "click" },
        { trigger: ".o_data_row td[name='name']:contains('Tour LenteViva')", run: "click" },
        { trigger: ".o_form_view button[name='action_join']", run: "click" },
        { trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Joined')" },
        { trigger: ".o_form_view button[name='action_open_campaign']", run: "click" },
        // The shop's campaign: the supplier's texts, the shop's target.
        { trigger: ".o_form_view .alert-info:contains('Tour LenteViva S.p.A.')" },
        { trigger: ".o_notebook .nav-link:contains('Target')", run: "click" },
        { trigger: ".o_field_widget[name='segment_ids'] input", run: "edit Tour wearers" },
        { trigger: ".o-autocomplete--dropdown-item:contains('Tour wearers')", run: "click" },
        { trigger: ".o_field_widget[name='reach_html'] .o_optical_reach" },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved" },
    ],
});
