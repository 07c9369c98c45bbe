import { registry } from "@web/core/registry";
import { formatDate } from "@web/core/l10n/dates";

const { DateTime } = luxon;

/** A step that saves a screenshot when the test asks for them (see tests/common_tour.py). */
export function screenshot(name, trigger) {
    return [
        {
            trigger,
            run() {
                console.log(`optical_screenshot:${name}`);
            },
        },
        {
            trigger,
            run: () => new Promise((resolve) => setTimeout(resolve, 1000)),
        },
    ];
}

function outcomeDialog(customer) {
    return [
        {
            content: `open the outcome dialog of ${customer}`,
            trigger: `.o_data_row:contains('${customer}') button[name='action_open_callback_wizard']`,
            run: "click",
        },
        {
            content: "the dialog is titled for the call",
            trigger: `.modal .modal-title:contains('${customer}')`,
        },
    ];
}

function confirmAndLeave(customer) {
    return [
        { trigger: ".modal button[name='action_confirm']", run: "click" },
        {
            content: `${customer} leaves today's list`,
            trigger: `.o_list_view:not(:has(.o_data_row:contains('${customer}')))`,
        },
    ];
}

registry.category("web_tour.tours").add("optical_crm_call_list_tour", {
    steps: () => {
        const inThreeDays = formatDate(DateTime.now().plus({ days: 3 }));
        return [
            {
                content: "the row says why to call",
                trigger: ".o_data_row:contains('Tour Mario Rossi') .o_data_cell:contains('Adaptation call')",
            },
            // Reached, with a note.
            ...outcomeDialog("Tour Mario Rossi"),
            {
                content: "the call script is in the dialog",
                trigger: ".modal .o_optical_call_script:contains('how the new progressive glasses feel')",
            },
            { trigger: ".modal div[name='note'] textarea", run: "edit Adapting well" },
            ...confirmAndLeave("Tour Mario Rossi"),
            // No answer: tried again tomorrow.
            ...outcomeDialog("Tour Lucia Bianchi"),
            { trigger: ".modal div[name='outcome'] input[data-value='no_answer']", run: "click" },
            ...confirmAndLeave("Tour Lucia Bianchi"),
            // Postponed to a date: it moves to that day.
            ...outcomeDialog("Tour Anna Neri"),
            { trigger: ".modal div[name='action'] input[data-value='postpone']", run: "click" },
            { trigger: ".modal div[name='date'] input", run: `edit ${inThreeDays}` },
            { trigger: ".modal .modal-title", run: "click" },
            ...confirmAndLeave("Tour Anna Neri"),
            {
                content: "show the calls of every day (the first facet is 'Due today or earlier')",
                trigger: ".o_searchview_facet:first .o_facet_remove",
                run: "click",
            },
            {
                content: "the postponed call is on its new day",
                trigger: `.o_data_row:contains('Tour Anna Neri') .o_data_cell:contains('${inThreeDays}')`,
            },
            // Given up, with a reason.
            ...outcomeDialog("Tour Paolo Gialli"),
            { trigger: ".modal div[name='action'] input[data-value='give_up']", run: "click" },
            { trigger: ".modal div[name='reason'] input", run: "edit Moved abroad" },
            ...confirmAndLeave("Tour Paolo Gialli"),
            // Take a call: it is assigned to me, its activity too.
            {
                trigger: ".o_data_row:contains('Tour Giulia Verdi') button[name='action_callback_take']",
                run: "click",
            },
            {
                content: "assigned to me: Take is gone from the row",
                trigger: ".o_data_row:contains('Tour Giulia Verdi'):not(:has(button[name='action_callback_take']))",
            },
            // Find the customer from the Customers menu.
            { trigger: "[data-menu-xmlid='optical_crm.optical_crm_menu_contacts']", run: "click" },
            { trigger: "[data-menu-xmlid='optical_crm.res_partner_menu_optical_customers']", run: "click" },
            { content: "the Customers list is open", trigger: ".o_list_view th[data-name='city']" },
            { trigger: ".o_searchview_input", run: "edit Tour Giulia" },
            { trigger: ".o_searchview_autocomplete .o_menu_item:first", run: "click" },
        { trigger: ".o_searchview_facet" },
            { trigger: ".o_data_row:contains('Tour Giulia Verdi') .o_data_cell[name='name']", run: "click" },
            {
                content: "the customer form shows the open call",
                trigger: ".o_form_view .o_field_widget[name='optical_open_call_id']:contains('Tour Giulia Verdi')",
            },
            // Mark the callback activity done from the chatter: same choices as the list.
            { trigger: ".o-mail-Activity .o-mail-Activity-markDone", run: "click" },
            { trigger: ".o_optical_call_outcome_button", run: "click" },
            { trigger: ".modal .modal-title:contains('Tour Giulia Verdi')" },
            { trigger: ".modal div[name='note'] textarea", run: "edit Reached from the chatter" },
            { trigger: ".modal button[name='action_confirm']", run: "click" },
            { trigger: ".o-mail-Message:contains('Reached from the chatter')" },
        ];
    },
});
