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
    "data": [],
    "installable": True,
}
