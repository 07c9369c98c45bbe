from . import test_app_landing_link
from . import test_consent_reasons
from . import test_fallback
