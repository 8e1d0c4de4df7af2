#!/usr/bin/env python3
"""Run a throwaway WordPress on loopback for integration tests (stdlib only).

    python scripts/wordpress_server.py start --dir DIR --port PORT [--pretty-permalinks]
    python scripts/wordpress_server.py stop --dir DIR

`start` installs Debian's wordpress, mariadb-server, php-cli and php-mysql when missing,
runs MariaDB (unix socket in DIR, no TCP) and `php -S 127.0.0.1:PORT`, installs WordPress,
creates an application password and writes DIR/wordpress.json (also printed on stdout):
{"url", "username", "password", "application_password", "pids", "dir"}.
`stop` kills the process groups that `start` recorded. Needs root (apt-get, /etc/wordpress).
Exit codes: 0 ok, 1 failure, 3 the Debian packages are missing and cannot be installed.
"""

from __future__ import annotations

import argparse
import base64
import http.cookiejar
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

PACKAGES = ("mariadb-server", "php-cli", "php-mysql", "wordpress")
DOCROOT = Path("/usr/share/wordpress")
# Debian's wp-config.php loads /etc/wordpress/config-<host>.php; this shim then loads the
# per-instance settings named by an environment variable, so several instances (one per
# port) can run side by side without fighting over the one host-wide file.
SHIM_PATH = Path("/etc/wordpress/config-127.0.0.1.php")
SHIM_MARKER = "igny8-wordpress-harness"
SHIM_ENV = "IGNY8_WORDPRESS_CONFIG"
USERNAME = "admin"
EXIT_PACKAGES_MISSING = 3


class HarnessError(Exception):
    """A step failed; the message says what to look at."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def log(message: str) -> None:
    print(f"[wordpress_server] {message}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(cmd, check=False, capture_output=True, text=True, **kwargs)
    if result.returncode != 0:
        raise HarnessError(f"{' '.join(cmd)} failed ({result.returncode}): {(result.stdout + result.stderr)[-2000:]}")
    return result


# --- packages -------------------------------------------------------------------------


def missing_packages() -> list[str]:
    missing = []
    for name in PACKAGES:
        res = subprocess.run(
            ["dpkg-query", "-W", "-f=${Status}", name],
            check=False,
            capture_output=True,
            text=True,
        )
        if res.returncode != 0 or "install ok installed" not in res.stdout:
            missing.append(name)
    return missing


def ensure_packages() -> None:
    missing = missing_packages()
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise HarnessError(
            f"missing Debian packages {missing}; run as root with apt-get",
            EXIT_PACKAGES_MISSING,
        )
    log(f"installing {' '.join(missing)} (apt-get, about 30 s)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        run(["apt-get", "update"], env=env)
        run(["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES], env=env)
    except HarnessError as exc:
        raise HarnessError(f"could not install {missing}: {exc}", EXIT_PACKAGES_MISSING) from exc


# --- processes ------------------------------------------------------------------------


def spawn(cmd: list[str], logfile: Path, env: dict[str, str] | None = None) -> int:
    """Start cmd in its own session (so `kill -- -PGID` reaches its workers); return the pid."""
    with open(logfile, "ab") as out:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            env=env,
            start_new_session=True,
        )
    return proc.pid


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has already exited


def group_members(pgid: int, marker: str) -> list[int]:
    """Live processes in group pgid whose command line contains marker.

    The marker guards against a stale wordpress.json whose pgid now belongs to someone else;
    scanning the group (not just its leader) catches php workers that outlived their parent.
    """
    members = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z" and marker in cmdline:
            members.append(int(proc.name))
    return members


def kill_group(pgid: int, marker: str, timeout: float = 15.0) -> None:
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not group_members(pgid, marker):
            return
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + timeout
        while group_members(pgid, marker) and time.monotonic() < deadline:
            time.sleep(0.05)


def wait_for(check: Any, what: str, logfile: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    tail = logfile.read_text(errors="replace")[-2000:] if logfile.exists() else ""
    raise HarnessError(f"{what} did not come up within {timeout:.0f} s; {logfile}:\n{tail}")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- MariaDB --------------------------------------------------------------------------


def write_mycnf(root: Path) -> Path:
    user = "user = root\n" if os.geteuid() == 0 else ""
    cnf = root / "my.cnf"
    cnf.write_text(
        f"[mysqld]\n{user}datadir = {root / 'mysql'}\nsocket = {root / 'mysql.sock'}\n"
        f"pid-file = {root / 'mysql.pid'}\nlog-error = {root / 'mysql.err'}\n"
        # A private tmpdir: concurrent instances sharing /tmp have clashed over temp tables.
        f"tmpdir = {root / 'tmp'}\n"
        "skip-networking\nskip-name-resolve\nskip-log-bin\nperformance_schema = OFF\n"
        "innodb_buffer_pool_size = 32M\ninnodb_log_file_size = 16M\n"
        "innodb_flush_log_at_trx_commit = 0\ninnodb_doublewrite = 0\n"
        f"[client]\nsocket = {root / 'mysql.sock'}\nuser = root\n"
    )
    return cnf


def init_datadir(cnf: Path, datadir: Path) -> None:
    log("initialising MariaDB data directory")
    cmd = ["mariadb-install-db", f"--defaults-file={cnf}", "--skip-test-db", "--auth-root-authentication-method=socket"]
    try:
        run(cmd)
    except HarnessError:
        shutil.rmtree(datadir, ignore_errors=True)  # so that the next start initialises afresh
        raise


def start_mariadb(root: Path, db_password: str) -> int:
    sock = root / "mysql.sock"
    if len(str(sock)) > 100:
        raise HarnessError(f"unix socket path {sock} is too long; use a shorter --dir")
    cnf = write_mycnf(root)
    (root / "tmp").mkdir(exist_ok=True)
    if not (root / "mysql" / "mysql").is_dir():
        init_datadir(cnf, root / "mysql")
    pid = spawn(["mariadbd", f"--defaults-file={cnf}"], root / "mariadbd.log")
    ping = ["mariadb-admin", f"--defaults-file={cnf}", "--connect-timeout=1", "ping"]
    wait_for(
        lambda: subprocess.run(ping, check=False, capture_output=True).returncode == 0,
        "MariaDB",
        root / "mysql.err",
    )
    sql = (
        "CREATE DATABASE IF NOT EXISTS wordpress;"
        f"CREATE USER IF NOT EXISTS 'wordpress'@'localhost' IDENTIFIED BY '{db_password}';"
        "GRANT ALL ON wordpress.* TO 'wordpress'@'localhost';"
    )
    run(["mariadb", f"--defaults-file={cnf}", "-e", sql])
    return pid


def mariadb_sql(root: Path, sql: str) -> None:
    run(["mariadb", f"--defaults-file={root / 'my.cnf'}", "wordpress", "-e", sql])


# --- WordPress configuration ----------------------------------------------------------


SHIM = (
    f"<?php\n// {SHIM_MARKER}: written by scripts/wordpress_server.py; safe to delete when it is not running.\n"
    f"$igny8_config = getenv('{SHIM_ENV}');\n"
    "if (!$igny8_config || !is_readable($igny8_config)) {\n"
    "    header('HTTP/1.0 500 Internal Server Error');\n"
    f"    exit('{SHIM_ENV} is not set: start this site with scripts/wordpress_server.py');\n"
    "}\nrequire $igny8_config;\n"
)


def write_shim() -> None:
    current = SHIM_PATH.read_text(errors="replace") if SHIM_PATH.exists() else None
    if current == SHIM:
        return
    if current is not None and SHIM_MARKER not in current:
        raise HarnessError(f"{SHIM_PATH} exists and was not written by this harness; move it away and retry")
    SHIM_PATH.parent.mkdir(parents=True, exist_ok=True)
    partial = SHIM_PATH.with_name(f".{SHIM_PATH.name}.{os.getpid()}")
    partial.write_text(SHIM)
    partial.replace(SHIM_PATH)  # atomic: a running site never reads half a file


def write_site_config(root: Path, port: int, state: dict[str, Any]) -> Path:
    url = f"http://127.0.0.1:{port}"
    consts = {
        "DB_NAME": "wordpress",
        "DB_USER": "wordpress",
        "DB_PASSWORD": state["db_password"],
        "DB_HOST": f"localhost:{root / 'mysql.sock'}",
        "WP_HOME": url,
        "WP_SITEURL": url,
        # Application Passwords need HTTPS unless the environment is "local".
        "WP_ENVIRONMENT_TYPE": "local",
        # No network here: never let WordPress wait on api.wordpress.org or its own cron.
        "WP_HTTP_BLOCK_EXTERNAL": True,
        "DISABLE_WP_CRON": True,
        "AUTOMATIC_UPDATER_DISABLED": True,
        **{key: state["salt"] + key for key in ("AUTH_KEY", "SECURE_AUTH_KEY", "LOGGED_IN_KEY", "NONCE_KEY")},
        **{key: state["salt"] + key for key in ("AUTH_SALT", "SECURE_AUTH_SALT", "LOGGED_IN_SALT", "NONCE_SALT")},
    }
    lines = [f"define({json.dumps(k)}, {json.dumps(v)});" for k, v in consts.items()]
    path = root / "wp-config-site.php"
    path.write_text("<?php\n$table_prefix = 'wp_';\n" + "\n".join(lines) + "\n")
    return path


def start_php(root: Path, port: int, site_config: Path) -> int:
    if port_open(port):
        raise HarnessError(f"127.0.0.1:{port} is already in use; pick another --port")
    env = {**os.environ, "PHP_CLI_SERVER_WORKERS": "4", SHIM_ENV: str(site_config)}
    pid = spawn(["php", "-S", f"127.0.0.1:{port}", "-t", str(DOCROOT)], root / "php.log", env)
    wait_for(lambda: port_open(port), "php -S", root / "php.log")
    return pid


# --- WordPress over HTTP --------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class Browser:
    """A cookie-keeping HTTP client that does not follow redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        handlers = (urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())
        self.opener = urllib.request.build_opener(*handlers)

    def request(
        self,
        path: str,
        form: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        req = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        try:
            with self.opener.open(req, timeout=60) as resp:
                return resp.status, resp.read().decode(errors="replace")
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(errors="replace")


def install_wordpress(browser: Browser, password: str) -> None:
    form = {
        "weblog_title": "IGNY8 test site",
        "user_name": USERNAME,
        "admin_password": password,
        "admin_password2": password,
        "pw_weak": "on",
        "admin_email": "admin@example.com",
        "blog_public": "0",
        "language": "",
    }
    status, body = browser.request("/wp-admin/install.php?step=2", form)
    if status != 200 or not ("Success!" in body or "Already Installed" in body):
        raise HarnessError(f"WordPress install answered {status}: {body[-1500:]}")


def login(browser: Browser, password: str) -> None:
    form = {
        "log": USERNAME,
        "pwd": password,
        "wp-submit": "Log In",
        "redirect_to": "/wp-admin/",
    }
    status, body = browser.request("/wp-login.php", form)
    if status != 302 or not any(c.name.startswith("wordpress_logged_in_") for c in browser.jar):
        raise HarnessError(f"login as {USERNAME} failed ({status}): {body[-1500:]}")


def create_application_password(browser: Browser, password: str) -> str:
    login(browser, password)
    status, nonce = browser.request("/wp-admin/admin-ajax.php?action=rest-nonce")
    if status != 200 or not nonce.strip().isalnum():
        raise HarnessError(f"could not get a REST nonce ({status}): {nonce[-500:]}")
    route = "/?rest_route=/wp/v2/users/me/application-passwords"
    name = f"igny8-tests-{int(time.time())}"
    status, body = browser.request(route, {"name": name}, {"X-WP-Nonce": nonce.strip()})
    if status != 201:
        raise HarnessError(f"creating an application password answered {status}: {body[-1500:]}")
    return str(json.loads(body)["password"])


def application_password_works(url: str, app_password: str) -> bool:
    token = f"{USERNAME}:{app_password}".encode()
    req = urllib.request.Request(
        url + "/?rest_route=/wp/v2/users/me",
        headers={"Authorization": "Basic " + base64.b64encode(token).decode()},
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as resp:
            return bool(resp.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def set_permalinks(root: Path, pretty: bool) -> None:
    structure = "/%postname%/" if pretty else ""
    # An empty rewrite_rules option makes WordPress rebuild the rules on the next request.
    mariadb_sql(
        root,
        f"UPDATE wp_options SET option_value='{structure}' WHERE option_name='permalink_structure';"
        "UPDATE wp_options SET option_value='' WHERE option_name='rewrite_rules';",
    )


# --- commands -------------------------------------------------------------------------


def load_state(root: Path) -> dict[str, Any]:
    """Public state (wordpress.json) merged with the secrets kept beside it."""
    state: dict[str, Any] = {}
    for name in ("wordpress.json", "secrets.json"):
        if (root / name).exists():
            state.update(json.loads((root / name).read_text()))
    return state


def save_state(root: Path, state: dict[str, Any]) -> dict[str, Any]:
    hidden = ("db_password", "salt")
    public = {k: v for k, v in state.items() if k not in hidden}
    (root / "wordpress.json").write_text(json.dumps(public, indent=2) + "\n")
    (root / "secrets.json").write_text(json.dumps({k: state[k] for k in hidden if k in state}))
    return public


def reusable(state: dict[str, Any], port: int, pretty: bool) -> bool:
    pids = state.get("pids") or {}
    return (
        bool(pids)
        and all(alive(p) for p in pids.values())
        and state.get("url") == f"http://127.0.0.1:{port}"
        and state.get("pretty_permalinks") == pretty
        and application_password_works(state["url"], state.get("application_password", ""))
    )


def previous_port(state: dict[str, Any]) -> int | None:
    url = state.get("url")
    return urllib.parse.urlsplit(url).port if url else None


def start(root: Path, port: int, pretty: bool) -> dict[str, Any]:
    """Start (or reuse) the site in root and return its public state."""
    started = time.monotonic()
    root.mkdir(parents=True, exist_ok=True)
    root = root.resolve()
    state = load_state(root)
    port = port or previous_port(state) or free_port()
    if reusable(state, port, pretty):
        log(f"already running at {state['url']}")
        return save_state(root, state)
    stop(root)
    ensure_packages()
    try:
        launch(root, port, pretty, state)
    except BaseException:
        stop(root)
        raise
    log(f"WordPress ready at {state['url']} in {time.monotonic() - started:.1f} s")
    return save_state(root, state)


def launch(root: Path, port: int, pretty: bool, state: dict[str, Any]) -> None:
    for key, size in (("db_password", 12), ("salt", 24), ("password", 12)):
        state.setdefault(key, secrets.token_hex(size))
    state.update(
        url=f"http://127.0.0.1:{port}",
        username=USERNAME,
        pretty_permalinks=pretty,
        dir=str(root),
    )
    state.setdefault("application_password", "")
    write_shim()
    state["pids"] = {"mariadb": start_mariadb(root, state["db_password"])}
    save_state(root, state)  # so that `stop` can clean up whatever follows
    state["pids"]["php"] = start_php(root, port, write_site_config(root, port, state))
    save_state(root, state)
    browser = Browser(state["url"])
    install_wordpress(browser, state["password"])
    set_permalinks(root, pretty)
    if not application_password_works(state["url"], state["application_password"]):
        state["application_password"] = create_application_password(browser, state["password"])


def stop(root: Path) -> None:
    """Kill the process groups recorded in root/wordpress.json."""
    state = load_state(root)
    pids = state.get("pids") or {}
    markers = {"mariadb": f"--defaults-file={root / 'my.cnf'}", "php": f"-S 127.0.0.1:{previous_port(state)} "}
    for name, pgid in pids.items():
        if group_members(pgid, markers[name]):
            log(f"stopping {name} (process group {pgid})")
            kill_group(pgid, markers[name])
    if pids:
        save_state(root, {**state, "pids": {}})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    start_cmd = sub.add_parser("start", help="install if needed, start, write DIR/wordpress.json")
    start_cmd.add_argument("--dir", type=Path, required=True)
    start_cmd.add_argument(
        "--port",
        type=int,
        default=0,
        help="default: the previous port for DIR, else a free one",
    )
    start_cmd.add_argument(
        "--pretty-permalinks",
        action="store_true",
        help="serve /wp-json/ (default: plain)",
    )
    stop_cmd = sub.add_parser("stop", help="kill the processes started for DIR")
    stop_cmd.add_argument("--dir", type=Path, required=True)
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            print(json.dumps(start(args.dir, args.port, args.pretty_permalinks), indent=2))
        else:
            stop(args.dir.resolve())
    except HarnessError as exc:
        log(f"error: {exc}")
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
