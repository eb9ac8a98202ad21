"""Classroom scale: a real JupyterHub on localhost, two students running lesson 00 at once.

The Hub uses DummyAuthenticator (a shared password), SimpleLocalProcessSpawner (each student's
Jupyter server is a local process with its own home folder) and configurable-http-proxy from npm
(``.ci/run`` installs it into ``.cache/node``). Each student logs in through the login form, gets an
API token, starts a server through the Hub's REST API, uploads the lesson through the server's
contents API and runs every code cell in a kernel over the kernels websocket — the same route
JupyterLab takes. Afterwards every process the Hub started is gone.
"""

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest
import requests
from jupyter_client.jsonutil import json_default
from jupyter_client.session import Session
from servers import free_port, wait_for
from submissions import answer
from tornado.httpclient import HTTPRequest
from tornado.websocket import websocket_connect

from attnlab.paths import NOTEBOOKS_DIR, ROOT

pytestmark = pytest.mark.slow

LESSON = "00_start_here"
PASSWORD = "attention-please"
STUDENTS = ("ana", "ben")  # ana hands in the lesson untouched, ben solves its exercise
READY = 90  # seconds any one step may take before the test gives up (it takes a few)


def proxy_command() -> str:
    local = ROOT / ".cache" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
    found = str(local) if local.exists() else shutil.which("configurable-http-proxy")
    assert found, ("configurable-http-proxy is missing: `npm install --prefix .cache/node "
                   "configurable-http-proxy@4.6.3` (make test does it)")
    return found


def marked_pids(marker: str) -> set[int]:
    """Processes whose environment carries ``marker``: the Hub, its proxy, servers and kernels."""
    pids = set()
    for proc in Path("/proc").iterdir():
        try:
            if proc.name.isdigit() and marker.encode() in (proc / "environ").read_bytes():
                pids.add(int(proc.name))
        except OSError:  # gone meanwhile, or not ours to read
            continue
    return pids - {os.getpid()}


def resident_mb(pids: set[int], user: str) -> float:
    """Memory held by ``user``'s processes among ``pids`` (their server and kernel), in MB."""
    total = 0
    for pid in pids:
        try:
            if f"JUPYTERHUB_USER={user}\0".encode() in Path(f"/proc/{pid}/environ").read_bytes():
                status = Path(f"/proc/{pid}/status").read_text()
                total += int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1))
        except (OSError, AttributeError):
            continue
    return total / 1024


def hub_config(tmp: Path, ports: dict, marker: str) -> str:
    return f"""
c = get_config()
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = {ports['public']}
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {ports['hub']}
c.JupyterHub.db_url = "sqlite:///{tmp}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{tmp}/cookie_secret"
c.ConfigurableHTTPProxy.command = ["{proxy_command()}"]
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{ports['proxy_api']}"
c.ConfigurableHTTPProxy.pid_file = "{tmp}/proxy.pid"
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = "{PASSWORD}"
c.Authenticator.allowed_users = {set(STUDENTS)!r}
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{tmp}/home/{{username}}"
c.Spawner.cmd = ["{sys.executable}", "-m", "jupyterhub.singleuser"]
c.Spawner.args = ["--ServerApp.allow_root=True"]
c.Spawner.environment = {{"ATTNLAB_HUB_TEST": "{marker}", "JUPYTER_PREFER_ENV_PATH": "1"}}
c.Spawner.start_timeout = {READY}
c.Spawner.http_timeout = {READY}
"""


@pytest.fixture
def hub(tmp_path):
    """A running Hub: yields its URL and folder; stops it, checks every process it started is gone."""
    marker = uuid.uuid4().hex
    ports = {"public": free_port(), "hub": free_port(), "proxy_api": free_port()}
    (tmp_path / "jupyterhub_config.py").write_text(hub_config(tmp_path, ports, marker))
    env = dict(os.environ, ATTNLAB_HUB_TEST=marker,
               PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    log = open(tmp_path / "hub.log", "w")
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", "jupyterhub_config.py"],
                               cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{ports['public']}"

    def up():
        assert process.poll() is None, (tmp_path / "hub.log").read_text()
        try:
            return requests.get(f"{url}/hub/api/", timeout=5).ok
        except requests.ConnectionError:
            return False

    try:
        wait_for("the Hub to answer", up)
        print(f"\nHub up in {time.perf_counter() - start:.1f} s")
        yield url, tmp_path, marker
        process.send_signal(signal.SIGINT)  # the Hub stops the students' servers and its proxy
        process.wait(timeout=READY)
        wait_for("every Hub process to exit", lambda: not marked_pids(marker), timeout=30)
    finally:
        for pid in marked_pids(marker):  # only if the test failed: ours, by their marker
            os.kill(pid, signal.SIGKILL)
        if process.poll() is None:
            process.kill()
        log.close()
        print((tmp_path / "hub.log").read_text()[-3000:] if process.returncode else "")


def log_in(url: str, name: str, password: str) -> requests.Session:
    """The login form, as a browser submits it (with its XSRF token)."""
    browser = requests.Session()
    page = browser.get(f"{url}/hub/login", timeout=30)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.text).group(1)
    browser.post(f"{url}/hub/login", data={"username": name, "password": password, "_xsrf": xsrf},
                 allow_redirects=False, timeout=30)
    return browser


def api_token(url: str, browser: requests.Session, name: str) -> str:
    """A token for the student's own API calls, requested with the login cookie."""
    xsrf = browser.cookies.get("_xsrf")
    reply = browser.post(f"{url}/hub/api/users/{name}/tokens", json={"note": "attnlab test"},
                         headers={"X-XSRFToken": xsrf, "Referer": f"{url}/hub/token"}, timeout=30)
    assert reply.status_code == 201, reply.text
    return reply.json()["token"]


def start_server(url: str, name: str, token: str) -> None:
    """Ask the Hub's REST API to start the student's server (it starts in the background)."""
    headers = {"Authorization": f"token {token}"}
    reply = requests.post(f"{url}/hub/api/users/{name}/server", headers=headers, timeout=30)
    assert reply.status_code in (201, 202), reply.text


def server_url(url: str, name: str, token: str) -> str:
    """The student's server's base URL, once the Hub says it is ready."""
    headers = {"Authorization": f"token {token}"}

    def ready():
        server = requests.get(f"{url}/hub/api/users/{name}", headers=headers, timeout=30).json()
        default = server.get("servers", {}).get("", {})
        return default.get("ready") and default["url"]

    return url + wait_for(f"{name}'s server", ready)


async def run_notebook(server: str, token: str, nb: nbformat.NotebookNode, path: str) -> list[dict]:
    """Upload ``nb``, open it in a kernel session and run its code cells; return their outputs."""
    headers = {"Authorization": f"token {token}"}
    model = {"type": "notebook", "format": "json", "content": nb}
    put = requests.put(f"{server}api/contents/{path}", json=model, headers=headers, timeout=30)
    assert put.status_code in (200, 201), put.text
    session = requests.post(f"{server}api/sessions", headers=headers, timeout=READY, json={
        "path": path, "type": "notebook", "kernel": {"name": "python3"}}).json()
    ws_url = server.replace("http", "ws", 1) + f"api/kernels/{session['kernel']['id']}/channels"
    socket_ = await websocket_connect(HTTPRequest(ws_url, headers=headers))
    messages = Session(username="attnlab-test")
    outputs = []
    try:
        for cell in (c for c in nb.cells if c.cell_type == "code"):
            request = messages.msg("execute_request", {"code": cell.source, "silent": False,
                                                       "store_history": True, "allow_stdin": False,
                                                       "stop_on_error": True, "user_expressions": {}})
            request["channel"] = "shell"
            await socket_.write_message(json.dumps(request, default=json_default))
            outputs.append(await _collect(socket_, request["header"]["msg_id"]))
    finally:
        socket_.close()
    requests.delete(f"{server}api/sessions/{session['id']}", headers=headers, timeout=30)
    return outputs


async def _collect(socket_, msg_id: str) -> dict:
    """The reply status and outputs of one execute request (until the kernel is idle again)."""
    result = {"status": None, "text": ""}
    idle = False
    while result["status"] is None or not idle:
        raw = await asyncio.wait_for(socket_.read_message(), READY)
        assert raw is not None, "the kernel's websocket closed"
        msg = json.loads(raw)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "execute_reply":
            result["status"] = content["status"]
        elif kind == "status":
            idle = content["execution_state"] == "idle"
        elif kind == "stream":
            result["text"] += content["text"]
        elif kind in ("execute_result", "display_data"):
            result["text"] += content["data"].get("text/plain", "")
        elif kind == "error":
            result["text"] += f"{content['ename']}: {content['evalue']}"
    return result


def stored_text(cell) -> str:
    return "".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)


def test_two_students_run_lesson_00_on_a_jupyterhub(hub):
    url, folder, marker = hub
    assert "jupyterhub-hub-login" not in log_in(url, "ana", "wrong password").cookies
    start = time.perf_counter()
    browsers = {name: log_in(url, name, PASSWORD) for name in STUDENTS}
    assert all("jupyterhub-hub-login" in b.cookies for b in browsers.values())
    tokens = {name: api_token(url, browsers[name], name) for name in STUDENTS}
    for name in STUDENTS:
        start_server(url, name, tokens[name])
    servers = {name: server_url(url, name, tokens[name]) for name in STUDENTS}
    started = time.perf_counter() - start
    stored = nbformat.read(NOTEBOOKS_DIR / f"{LESSON}.ipynb", as_version=4)
    handed = {"ana": stored, "ben": answer(stored, LESSON)}

    async def both():
        return await asyncio.gather(*(run_notebook(servers[n], tokens[n], handed[n], f"{LESSON}.ipynb")
                                      for n in STUDENTS))

    start = time.perf_counter()
    ran = dict(zip(STUDENTS, asyncio.run(both()), strict=True))
    print(f"servers started in {started:.1f} s; lesson {LESSON} run by both at once in "
          f"{time.perf_counter() - start:.1f} s (measured under load)")
    pids = marked_pids(marker)
    print(", ".join(f"{n}'s server and kernel hold {resident_mb(pids, n):.0f} MB" for n in STUDENTS))
    code = [c for c in stored.cells if c.cell_type == "code"]
    checks = [i for i, c in enumerate(code) if c.metadata.get("nbgrader", {}).get("grade")]
    for name in STUDENTS:
        assert [r["status"] for r in ran[name]] == ["ok"] * len(code), ran[name]
    for i, cell in enumerate(code):  # ana's run prints what the stored student copy shows
        if cell.outputs and not any(o.get("data", {}).get("image/png") for o in cell.outputs):
            assert ran["ana"][i]["text"].strip() == stored_text(cell).strip()
    assert all(ran["ana"][i]["text"].startswith("⏳") for i in checks)
    assert all(ran["ben"][i]["text"].startswith("✅") for i in checks)
    for name in STUDENTS:  # each student's work is saved in their own home folder
        saved = nbformat.read(folder / "home" / name / f"{LESSON}.ipynb", as_version=4)
        assert [c.source for c in saved.cells] == [c.source for c in handed[name].cells]
        headers = {"Authorization": f"token {tokens[name]}"}
        stop = requests.delete(f"{url}/hub/api/users/{name}/server", headers=headers, timeout=READY)
        assert stop.status_code in (202, 204), stop.text
