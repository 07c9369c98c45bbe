import { registry } from "@web/core/registry";

import { screenshot } from "./optical_crm_call_list_tour";
import { pivotFits } from "./optical_crm_results_tour";

/** Nothing loading: no spinner, no blocked UI. */
const loaded = ":not(:has(.o_loading_indicator)):not(:has(.o_blockUI))";

/** The readme's results screenshots, in Italian on the demo database: the demo recall's Results tab,
 * the pivot its "Grazie al contatto" button opens and the Results analysis, each once its data is shown. */
registry.category("web_tour.tours").add("optical_crm_readme_tour", {
    steps: () => [
        { trigger: ".oe_stat_button:contains('Contattati')" },
        { trigger: ".o_notebook .nav-link:contains('Risultati')", run: "click" },
        {
            content: "the Results tab shows the demo recall's step with both groups",
            trigger: `body${loaded} .o_optical_results tr:contains('Controllo della vista annuale'):contains('%)')`,
        },
        ...screenshot("cycle_results", `body${loaded} .o_optical_results`),
        { trigger: ".oe_stat_button:contains('Grazie al contatto')", run: "click" },
        {
            content: "the pivot shows the step, the uplift and the amounts in euros",
            trigger: `body${loaded} .o_pivot:not(.o_view_sample_data) th:contains('Controllo della vista annuale')`,
        },
        { trigger: ".o_pivot td:contains('€')" },
        pivotFits,
        ...screenshot("results_pivot", `body${loaded} .o_pivot table`),
        { trigger: "[data-menu-xmlid='optical_crm.optical_crm_menu_analysis']", run: "click" },
        { trigger: "[data-menu-xmlid='optical_crm.optical_crm_analysis_menu']", run: "click" },
        {
            content: "the Results analysis with its data, amounts in euros",
            trigger: `body${loaded} .o_pivot:not(.o_view_sample_data) td:contains('€')`,
        },
        ...screenshot("analysis", `body${loaded} .o_pivot:not(.o_view_sample_data) table`),
    ],
});
