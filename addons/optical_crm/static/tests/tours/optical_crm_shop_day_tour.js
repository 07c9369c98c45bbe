import { registry } from "@web/core/registry";

/** A screenshot (tests/common_tour.py), named after the screen: ``name`` on a desk, ``name_tablet`` below 1000 px. */
export function screenshot(name, trigger) {
    return [
        {
            trigger,
            run() {
                console.log(`optical_screenshot:${name}${window.innerWidth < 1000 ? "_tablet" : ""}`);
            },
        },
        { trigger, run: () => new Promise((resolve) => setTimeout(resolve, 1000)) },
    ];
}

/** Fails the tour with a readable message. */
export function fail(message) {
    console.error(message);
    throw new Error(message);
}

/** The element is inside the window's width (not cut, not scrolled off to the right); and its height
 * too with ``vertical``. */
function assertOnScreen(element, what, vertical = true) {
    const box = element.getBoundingClientRect();
    if (!box.width || box.left < 0 || box.right > window.innerWidth || (vertical && box.bottom > window.innerHeight)) {
        const columns = [...document.querySelectorAll(".o_list_renderer thead th")].map(
            (th) => `${th.dataset.name || th.className}:${Math.round(th.getBoundingClientRect().width)}`);
        fail(`${what} is not on screen: ${JSON.stringify(box)} in ${window.innerWidth}x${window.innerHeight}; columns ${columns.join(" ")}`);
    }
}

/** Its text is shown whole: no ellipsis, nothing clipped by the cell. */
export function assertNotCut(element, what) {
    const cell = element.closest("td") || element;
    if (element.scrollWidth > element.clientWidth + 1 || element.getBoundingClientRect().right > cell.getBoundingClientRect().right + 1) {
        fail(`${what} is cut: ${element.scrollWidth}px of text in ${element.clientWidth}px`);
    }
}

function outcome(customer) {
    return {
        content: `open the outcome dialog of ${customer} (click 1)`,
        trigger: `.o_data_row:contains('${customer}') button[name='action_open_callback_wizard']`,
        run: "click",
    };
}

function leaves(customer) {
    return {
        content: `${customer} leaves today's list`,
        trigger: `.o_optical_call_list:not(:has(.o_data_row:contains('${customer}')))`,
    };
}

/** The assistant's day: the list fits the screen, postpone / no answer / give up in their click budgets,
 * and a consent change and a note on a customer card opened from a call. */
registry.category("web_tour.tours").add("optical_crm_shop_day_tour", {
    steps: () => [
        {
            content: "the day starts on the call list (home action)",
            trigger: ".o_optical_call_list .o_data_row:contains('Tour Mario Rossi')",
        },
        {
            content: "the number to dial is whole, the outcome button on screen, the reason starts with the step",
            trigger: ".o_optical_call_list .o_data_row:contains('Tour Mario Rossi') td[name='partner_mobile'] a",
            run() {
                for (const row of document.querySelectorAll(".o_optical_call_list .o_data_row")) {
                    const number = row.querySelector("td[name='partner_mobile'] a");
                    assertNotCut(number, `the number ${number.textContent}`);
                    const first = row === document.querySelector(".o_optical_call_list .o_data_row");
                    assertOnScreen(row.querySelector("button[name='action_open_callback_wizard']"), "the Outcome button", first);
                    const reasonCell = row.querySelector("td[name='callback_reason']");
                    assertNotCut(reasonCell, "the reason to call");
                    const reason = reasonCell.textContent.trim();
                    if (!reason.startsWith("One week after")) {
                        fail(`the reason does not start with the step: ${reason}`);
                    }
                }
                if (document.querySelector(".o_list_renderer").scrollWidth > document.querySelector(".o_list_renderer").clientWidth + 1) {
                    fail("the call list scrolls sideways");
                }
            },
        },
        ...screenshot("call_list", ".o_optical_call_list .o_data_row:contains('Tour Giulia Verdi')"),
        // Postpone to tomorrow: 2 clicks.
        outcome("Tour Lucia Bianchi"),
        {
            content: "the dialog's buttons are on screen",
            trigger: ".modal button[name='action_postpone_tomorrow']",
            run() {
                assertOnScreen(document.querySelector(".modal button[name='action_confirm']"), "Confirm");
                assertOnScreen(document.querySelector(".modal button[name='action_postpone_tomorrow']"), "Tomorrow");
            },
        },
        ...screenshot("call_outcome", ".modal .o_optical_call_script"),
        { content: "postpone to tomorrow (click 2)", trigger: ".modal button[name='action_postpone_tomorrow']", run: "click" },
        leaves("Tour Lucia Bianchi"),
        // No answer: 2 clicks.
        outcome("Tour Anna Neri"),
        { content: "no answer (click 2)", trigger: ".modal button[name='action_no_answer']", run: "click" },
        leaves("Tour Anna Neri"),
        // Give up: 3 clicks and the reason.
        outcome("Tour Paolo Gialli"),
        { content: "give up (click 2)", trigger: ".modal div[name='action'] input[data-value='give_up']", run: "click" },
        { trigger: ".modal div[name='reason'] input", run: "edit Moved abroad" },
        { content: "confirm (click 3)", trigger: ".modal button[name='action_confirm']", run: "click" },
        leaves("Tour Paolo Gialli"),
        // From a call to the customer card.
        {
            trigger: ".o_data_row:contains('Tour Mario Rossi') td[name='partner_id']",
            run: "click",
        },
        {
            content: "the call's customer link",
            trigger: ".o_form_view div[name='partner_id'] a.o_form_uri, .o_form_view div[name='partner_id'] .o_external_button",
            run: "click",
        },
        {
            content: "the customer card opens, not the generic contact form",
            trigger: ".o_form_view div[name='optical_consent_sms'] input:not(:disabled)",
        },
        { content: "SMS consent", trigger: ".o_form_view div[name='optical_consent_sms'] input", run: "click" },
        { trigger: ".o_form_button_save", run: "click" },
        { trigger: ".o_form_view:not(:has(.o_form_button_save:visible))" },
        { content: "log a note", trigger: ".o-mail-Chatter-logNote:enabled", run: "click" },
        { trigger: ".o-mail-Composer-input", run: "edit Asked for the SMS reminders" },
        { trigger: ".o-mail-Composer-send:enabled", run: "click" },
        { trigger: ".o-mail-Message:contains('Asked for the SMS reminders')" },
        ...screenshot("customer_form", ".o-mail-Message:contains('Asked for the SMS reminders')"),
    ],
});
