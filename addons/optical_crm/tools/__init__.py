# Pure-Python helpers: no Odoo import here, so that plain tests can load them.
