#!/usr/bin/env bash
# Creates (or completes) the virtual environment with Alipay's Python SDK that
# cli/tests/it/python_sdk.rs runs: setup-venv.sh VENV_DIR. Idempotent: a complete venv is
# left as it is. Needs python3 with the venv module and PyPI.
set -euo pipefail
venv=${1:?usage: setup-venv.sh VENV_DIR}
here=$(cd "$(dirname "$0")" && pwd)
check() { "$venv/bin/python" -c 'import com.alipay.ams.api.default_alipay_client' >/dev/null 2>&1; }
# Test binaries run their tests in parallel: one sets the venv up while the others wait.
mkdir -p "$(dirname "$venv")"
exec 9>"$venv.lock"
flock 9
if [ -x "$venv/bin/python" ] && check; then
  exit 0
fi
python3 -m venv "$venv"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$here/requirements.txt"
check
echo "Alipay Python SDK ready in $venv"
