{
    "name": "Optical CRM SMS",
    "summary": "SMS and SMS with landing page for Optical CRM, through Odoo's SMS queue",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/optical-crm/optical-crm",
    "author": "Optical CRM",
    "maintainers": ["optical-crm"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["optical_crm", "sms"],
    "external_dependencies": {"python": ["phonenumbers", "requests"]},
    "data": [
        "security/optical_crm_sms_security.xml",
        "security/ir.model.access.csv",
        "views/optical_crm_landing_page_views.xml",
        "views/optical_crm_landing_templates.xml",
        "views/optical_crm_step_views.xml",
        "views/optical_crm_communication_views.xml",
        "views/res_config_settings_views.xml",
        "views/optical_crm_sms_inbound_views.xml",
        "views/optical_crm_sms_menus.xml",
        "wizards/optical_crm_step_preview_wizard_views.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "optical_crm_sms/static/tests/tours/**/*",
        ],
    },
    "demo": [
        "demo/optical_crm_landing_page_demo.xml",
        "demo/optical_crm_cycle_demo.xml",
    ],
}
