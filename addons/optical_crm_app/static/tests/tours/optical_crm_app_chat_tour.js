import { registry } from "@web/core/registry";

function fail(message) {
    console.error(message);
    throw new Error(message);
}

function screenshot(name, trigger) {
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

/** The assistant answers a customer's app message from the message itself: the App chat menu, then Reply
 * on the row (2 clicks), the answer, Send. */
registry.category("web_tour.tours").add("optical_crm_app_chat_tour", {
    steps: () => [
        { trigger: ".o_optical_call_list, .o_action_manager .o_view_controller" },
        { content: "App", trigger: "[data-menu-xmlid='optical_crm_app.optical_app_menu']", run: "click" },
        {
            content: "App chat (click 1)",
            trigger: "[data-menu-xmlid='optical_crm_app.optical_app_message_menu_chat']",
            run: "click",
        },
        {
            content: "the list shows what the customer wrote",
            trigger: ".o_data_row:contains('Tour Chiara Esposito') td[name='body']:contains('Are my lenses ready?')",
        },
        {
            content: "the Reply button is on screen",
            trigger: ".o_data_row:contains('Tour Chiara Esposito') button[name='action_reply']",
            run() {
                const box = this.anchor.getBoundingClientRect();
                if (!box.width || box.right > window.innerWidth || box.bottom > window.innerHeight) {
                    fail(`Reply is off screen: ${JSON.stringify(box)}`);
                }
            },
        },
        ...screenshot("app_chat", ".o_data_row:contains('Tour Chiara Esposito')"),
        {
            content: "Reply (click 2)",
            trigger: ".o_data_row:contains('Tour Chiara Esposito') button[name='action_reply']",
            run: "click",
        },
        ...screenshot("app_chat_reply", ".modal div[name='body'] textarea"),
        { trigger: ".modal div[name='question']:contains('Are my lenses ready?')" },
        { trigger: ".modal div[name='body'] textarea", run: "edit Yes, they are ready: see you tomorrow!" },
        { trigger: ".modal button[name='action_send']", run: "click" },
        { trigger: "body:not(:has(.modal))" },
        {
            content: "answered: it leaves the messages to answer",
            trigger: ".o_action_manager:not(:has(.o_data_row:contains('Tour Chiara Esposito')))",
        },
    ],
});

/** The owner replies in the chatter of a customer who wrote from the app: no customer recipient is ticked. */
registry.category("web_tour.tours").add("optical_crm_app_owner_reply_tour", {
    steps: () => [
        { content: "the customer card", trigger: ".o_form_view div[name='optical_consent_sms']" },
        { content: "Send message", trigger: ".o-mail-Chatter-sendMessage:enabled", run: "click" },
        { trigger: ".o-mail-Composer-input" },
        {
            content: "no customer is ticked to receive an e-mail",
            trigger: ".o-mail-Chatter",
            run() {
                const ticked = [...document.querySelectorAll(".o-mail-SuggestedRecipient input:checked")];
                if (ticked.length) {
                    fail(`e-mail recipients ticked: ${ticked.map((input) => input.closest(".o-mail-SuggestedRecipient").textContent.trim())}`);
                }
            },
        },
        { trigger: ".o-mail-Composer-input", run: "edit Your lenses are ready" },
        { trigger: ".o-mail-Composer-send:enabled", run: "click" },
        { trigger: ".o-mail-Message:contains('Your lenses are ready')" },
    ],
});
