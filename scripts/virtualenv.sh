# Shared by scripts/demo and scripts/test (sourced, not run): make sure .venv exists
# and has a working pip, with a Python of version 3.11 or newer.

run_as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo "$@"
    else
        return 1
    fi
}

pick_python() {
    local candidate
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 \
            && "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

ensure_virtualenv() {
    if [[ -x .venv/bin/python ]] && .venv/bin/python -m pip --version >/dev/null 2>&1; then
        return 0
    fi
    local python version
    if ! python=$(pick_python); then
        echo "NeutralPoint needs Python 3.11 or newer (python3.11, python3.12 or python3); none was found." >&2
        return 1
    fi
    version=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
    echo "Creating the virtual environment .venv with $python (Python $version)"
    rm -rf .venv
    if ! "$python" -m venv .venv 2>/dev/null; then
        # Debian and Ubuntu ship the venv module (ensurepip) as a separate package.
        rm -rf .venv
        echo "The venv module is missing; installing python$version-venv"
        if ! run_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "python$version-venv" >/dev/null 2>&1; then
            run_as_root apt-get update -qq >/dev/null 2>&1 || true
            if ! run_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "python$version-venv"; then
                echo "Could not create .venv: install python$version-venv (apt-get install python$version-venv) and run again." >&2
                return 1
            fi
        fi
        "$python" -m venv .venv
    fi
}

# uv (from PyPI, into .venv) installs the same packages as pip in a few seconds instead of half
# a minute; where it cannot be had or fails (no network path it knows, a proxy's certificate),
# pip does the work. NEUTRALPOINT_INSTALLER=pip skips uv.
have_uv() {
    [[ ${NEUTRALPOINT_INSTALLER:-uv} == uv ]] || return 1
    [[ -x .venv/bin/uv ]] && return 0
    # Short timeouts: where no index answers, pip (with its local wheels, if any) takes over at
    # once, and for the rest of the command (the next install would wait for nothing again).
    if ! .venv/bin/python -m pip install --quiet --disable-pip-version-check --timeout 15 --retries 1 \
        "uv>=0.5,<1" >/dev/null 2>&1; then
        NEUTRALPOINT_INSTALLER=pip
        return 1
    fi
}

pip_install() {
    # --compile-bytecode as pip does: otherwise the suite's first processes, started together,
    # each compile what they import (measured: the suite 20 s slower).
    if have_uv && .venv/bin/uv pip install --quiet --compile-bytecode --python .venv/bin/python "$@"; then
        return 0
    fi
    .venv/bin/python -m pip install --quiet --disable-pip-version-check "$@"
}

# Builds the wheel of the package in folder $1 into folder $2.
build_wheel() {
    if have_uv && .venv/bin/uv build --quiet --wheel --out-dir "$2" "$1"; then
        return 0
    fi
    .venv/bin/python -m pip wheel --quiet --disable-pip-version-check --no-deps -w "$2" "$1"
}

# Install the project (editable) with the given extras, unless pyproject.toml is unchanged
# since the last successful install of the same extras: a second run starts at once.
install_project() {
    local spec=$1 stamp=.venv/.neutralpoint-installed wanted
    wanted="$spec $(sha256sum pyproject.toml | cut -d' ' -f1)"
    if [[ -x .venv/bin/neutralpoint && -f $stamp ]] && grep -qxF "$wanted" "$stamp"; then
        echo "NeutralPoint ($spec) is already installed in .venv"
        return 0
    fi
    echo "Installing NeutralPoint ($spec) into .venv (seconds with uv, a minute or two with pip)"
    pip_install -e "$spec"
    echo "$wanted" >>"$stamp"
}
