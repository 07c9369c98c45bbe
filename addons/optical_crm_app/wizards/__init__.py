from . import optical_app_pairing_wizard
