from . import pairing
from . import push_api
