import { registry } from "@web/core/registry";
import { formatDate } from "@web/core/l10n/dates";

const { DateTime } = luxon;

registry.category("web_tour.tours").add("optical_crm_owner_campaign_tour", {
    steps: () => [
        { trigger: ".o_list_button_add", run: "click" },
        { trigger: ".o_field_widget[name='name'] input", run: "edit Tour Natale" },
        { trigger: ".o_field_widget[name='date_start'] input", run: `edit ${formatDate(DateTime.now())}` },
        { trigger: ".o_form_view .o_form_sheet", run: "click" },
        {
            trigger: ".o_field_widget[name='date_end'] input",
            run: `edit ${formatDate(DateTime.now().plus({ days: 20 }))}`,
        },
        { trigger: ".o_form_view .o_form_sheet", run: "click" },
        { trigger: "div[name='step_ids'] .o_field_x2many_list_row_add a", run: "click" },
        { trigger: ".modal .o_field_widget[name='name'] input", run: "edit Auguri" },
        { trigger: ".modal .o_field_widget[name='body'] textarea", run: "edit Buon Natale {{ object.first_name }}!" },
        { trigger: ".modal .o_form_button_save", run: "click" },
        { trigger: "div[name='step_ids'] .o_data_row:contains('Auguri')" },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_saved button[name='action_schedule']", run: "click" },
        { trigger: ".o_form_view button[name='action_plan_now']", run: "click" },
        {
            content: "the campaign's Communications button opens what it counts",
            trigger: "button[name='action_view_communications']:not(:has(.o_stat_value:contains(/^0$/)))",
            run: "click",
        },
        { trigger: ".o_list_view .o_group_header" },
        // The analysis opens from its menu (the readme's screenshot: optical_crm_readme_tour).
        { trigger: "[data-menu-xmlid='optical_crm.optical_crm_menu_analysis']", run: "click" },
        { trigger: "[data-menu-xmlid='optical_crm.optical_crm_analysis_menu']", run: "click" },
        {
            content: "the results pivot has loaded its rows (the tour ends with nothing left to fetch)",
            trigger: "body:not(:has(.o_loading_indicator)) .o_action_manager .o_pivot_view "
                + ":is(.o_pivot table tbody tr, .o_view_nocontent)",
        },
    ],
});
