"""What the SMS benchmark and the crash-and-concurrency harness share: the local
HTTP gateway stand-in of the SMS module's tests, and psql on the maintenance
database (creating and dropping scratch databases)."""
import importlib.util
import pathlib
import subprocess

ROOT = pathlib.Path(__file__).resolve().parent.parent


def load_gateway_server():
    """The ``LocalSmsGateway`` class of ``optical_crm_sms/tests/gateway_server.py``."""
    path = ROOT / "addons" / "optical_crm_sms" / "tests" / "gateway_server.py"
    spec = importlib.util.spec_from_file_location("bench_gateway_server", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.LocalSmsGateway


def psql(sql):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "odoo", "-d", "postgres", "-qc", sql], check=True)
