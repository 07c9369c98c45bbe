from . import http_api
from . import pairing
from . import push_api
