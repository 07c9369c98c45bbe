{
    "name": "Optical CRM App + SMS landing pages",
    "summary": "App messages link to the landing page of their step",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/optical-crm/optical-crm",
    "author": "Optical CRM",
    "maintainers": ["optical-crm"],
    "license": "LGPL-3",
    "development_status": "Beta",
    "depends": ["optical_crm_app", "optical_crm_sms"],
    "data": ["views/optical_crm_step_views.xml"],
    "auto_install": True,
}
