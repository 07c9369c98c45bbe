from . import test_app_landing_link
