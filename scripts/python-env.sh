# Sourced by scripts/start and scripts/test: picks the Python that runs Odoo and installs this
# repository's requirements.txt into an environment of its own, once per change of the file.
#  - python3 already inside a virtual environment (Odoo installed there): that environment.
#  - otherwise: .venv/ at the repository's root, created with --system-site-packages so that it
#    sees the Odoo installed for python3, and reused by every later run.
# Exports PYTHON, which scripts/odoo uses. PYTHON=/path/to/python overrides the choice.
optical_python_env() {
  local root="$1" base="${PYTHON:-python3}" env_python stamp wanted
  if ! command -v "$base" >/dev/null 2>&1; then
    echo "No $base on this machine: Python 3.10+ is needed." >&2; return 1
  fi
  if "$base" -c 'import sys; sys.exit(sys.prefix == sys.base_prefix)'; then
    env_python="$base"
  else
    if [ ! -x "$root/.venv/bin/python" ]; then
      echo "Creating $root/.venv (sees the packages of $("$base" -c 'import sys; print(sys.executable)'))"
      "$base" -m venv --system-site-packages "$root/.venv" || return 1
    fi
    env_python="$root/.venv/bin/python"
  fi
  stamp="$("$env_python" -c 'import sys; print(sys.prefix)')/.optical-crm-requirements"
  wanted="$(cat "$root/requirements.txt" 2>/dev/null | cksum)"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    echo "Installing requirements.txt into $("$env_python" -c 'import sys; print(sys.prefix)')"
    "$env_python" -m pip install -q --disable-pip-version-check -r "$root/requirements.txt" || {
      echo "pip could not install requirements.txt" >&2; return 1; }
    echo "$wanted" >"$stamp"
  fi
  export PYTHON="$env_python"
}
