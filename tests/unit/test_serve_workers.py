"""scripts/serve_workers.py's nginx configuration, as ``--print-config`` writes it for local
processes and app servers on other machines: nginx itself accepts it (``nginx -t``), every server
is in the cookie-hashed pool and numbered for X-DLE-Worker. The launcher at work is in
tests/e2e/test_workers_e2e.py."""
import os
import shutil
import subprocess

import pytest

from scripts.serve_workers import main, render
from tests.conftest import require


def test_the_configuration_for_several_machines_is_valid_nginx(tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    require(os.path.exists(nginx), "nginx not installed (apt-get install nginx)")
    servers = ["127.0.0.1:7861", "127.0.0.1:7862", "10.0.0.2:7860"]
    conf = render(servers, "0.0.0.0:8080", tmp_path)
    assert "hash $dle_affinity consistent;" in conf and "$remote_addr" not in conf.split("upstream dle_app")[1]
    for i, s in enumerate(servers, 1):
        assert f"        server {s} max_fails=0;" in conf and f'"{s}" "{i}";' in conf
    assert "proxy_next_upstream off;" in conf
    (tmp_path / "tmp").mkdir()
    (tmp_path / "nginx.conf").write_text(conf)
    out = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                          "-e", str(tmp_path / "error.log"), "-g", "daemon off;"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr


def test_print_config_and_arguments(capsys):
    assert main(["--workers", "2", "--upstream", "10.0.0.3:7860", "--print-config"]) == 0
    assert "server 10.0.0.3:7860 max_fails=0;" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--workers", "0"])  # no app server at all
    with pytest.raises(ValueError):
        render([], "127.0.0.1:7860", "/tmp")
