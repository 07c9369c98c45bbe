{
    "name": "Optical CRM App",
    "summary": "The customer app channel (Il Mio Ottico) for Optical CRM",
    "version": "18.0.1.0.0",
    "category": "Sales/CRM",
    "website": "https://github.com/optical-crm/optical-crm",
    "author": "Optical CRM",
    "maintainers": ["optical-crm"],
    "license": "LGPL-3",
    "development_status": "Alpha",
    "depends": ["optical_crm"],
    "data": [],
    "installable": True,
}
