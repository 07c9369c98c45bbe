import { registry } from "@web/core/registry";

/** Every measure on a 1366 px screen: the pivot table ends inside the window. */
export const pivotFits = {
    content: "every measure on a 1366 px screen: the table ends inside the window",
    trigger: ".o_pivot table",
    run() {
        const right = document.querySelector(".o_pivot table").getBoundingClientRect().right;
        if (right > window.innerWidth) {
            throw new Error(`the pivot ends at ${right} px in a ${window.innerWidth} px window`);
        }
    },
};

/** The owner reads what a cyclic activity with a control group caused (the readme's screenshots of these
 * screens: optical_crm_readme_tour). */
registry.category("web_tour.tours").add("optical_crm_results_tour", {
    steps: () => [
        {
            content: "the form's button gives the uplift with its interval",
            trigger: ".oe_stat_button:contains('+20.0 pts (95%: +2.2 to +37.8)')",
        },
        {
            content: "and the customers contacted and who bought",
            trigger: ".oe_stat_button:contains('40'):contains('Contacted')",
        },
        { trigger: ".o_notebook .nav-link:contains('Results')", run: "click" },
        {
            content: "the Results tab: per step and shop, contacted and control group",
            trigger: ".o_optical_results tr:contains('Tour offer'):contains('12 (30.0%)'):contains('3 (10.0%)')",
        },
        { trigger: ".oe_stat_button:contains('Thanks to the contact')", run: "click" },
        {
            content: "the analysis opens on the cycle, per step and shop",
            trigger: ".o_pivot th:contains('Tour offer')",
        },
        {
            content: "with the uplift in percentage points",
            trigger: ".o_pivot td:contains('20.00')",
        },
        {
            content: "the amounts in the shop's currency",
            trigger: ".o_pivot td:contains('€')",
        },
        pivotFits,
    ],
});
