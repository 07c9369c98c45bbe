{
    "name": "Optical CRM WhatsApp + SMS",
    "summary": "WhatsApp buttons open the SMS module's landing pages; WhatsApp falls back to SMS",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/optical-crm/optical-crm",
    "author": "Optical CRM",
    "maintainers": ["optical-crm"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["optical_crm_whatsapp", "optical_crm_sms"],
    "data": ["views/optical_crm_step_views.xml", "views/optical_crm_communication_views.xml"],
    "auto_install": True,
}
